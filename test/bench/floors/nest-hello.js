'use strict';
/**
 * Floors 2 and 3: a bare Nest 12 app with one GET route and none of this project's code, on the
 * adapter named by the first argument (`express` or `fastify`). What any Nest app pays before a
 * single security layer runs. Plain JS, so the decorators are applied as functions.
 */
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

class HelloController {
  hello() {
    return { hello: 'world' };
  }
}
Controller()(HelloController);
Get('hello')(
  HelloController.prototype,
  'hello',
  Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello'),
);

class HelloModule {}
Module({ controllers: [HelloController] })(HelloModule);

async function main() {
  const adapterName = process.argv[2];
  let adapter;
  if (adapterName === 'fastify') {
    const { FastifyAdapter } = require('@nestjs/platform-fastify');
    adapter = new FastifyAdapter();
  } else if (adapterName === 'express') {
    const { ExpressAdapter } = require('@nestjs/platform-express');
    adapter = new ExpressAdapter();
  } else {
    throw new Error(`adapter must be express or fastify, got ${adapterName}`);
  }
  const app = await NestFactory.create(HelloModule, adapter, { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
