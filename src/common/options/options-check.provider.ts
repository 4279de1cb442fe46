import { Provider } from '@nestjs/common';

/**
 * The one way a layer checks its options: Nest builds every provider at start, used or not, so
 * a check provided next to the options stops the start with the option's name (OptionProblems).
 */
export function optionsCheck<T>(
  optionsToken: string | symbol,
  validate: (options: T) => void,
): Provider {
  return {
    provide: Symbol(`${String(optionsToken)}_CHECKED`),
    inject: [optionsToken],
    useFactory: (options: T): true => {
      validate(options);
      return true;
    },
  };
}
