import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationProblem } from '../../common/problem-details/problem.exception';
import { createValidationPipe } from '../../security/validation/validation.pipe';
import { CreateObservationDto } from './dto/create-observation.dto';
import { ObservationBatchDto } from './dto/observation-batch.dto';

/**
 * The ingest body is one observation (a JSON object) or a batch (a JSON array of up to 500).
 * Both are validated by the same strict pipe as every other body; errors in a batch name the
 * index (`3.temperatureC`), errors in a single object name the field.
 */
@Injectable()
export class ObservationsBodyPipe implements PipeTransform<
  unknown,
  Promise<CreateObservationDto[]>
> {
  private readonly validation = createValidationPipe();

  async transform(body: unknown): Promise<CreateObservationDto[]> {
    const single = !Array.isArray(body);
    try {
      const batch = (await this.validation.transform(
        { observations: single ? [body] : body },
        { type: 'body', metatype: ObservationBatchDto },
      )) as ObservationBatchDto;
      return batch.observations;
    } catch (error) {
      if (!(error instanceof ValidationProblem)) throw error;
      const prefix = single ? /^observations\.0\.?/ : /^observations\.?/;
      throw new ValidationProblem(
        (error.fieldErrors ?? []).map((e) => ({
          ...e,
          field: e.field.replace(prefix, '') || 'body',
        })),
      );
    }
  }
}
