import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { parseInstant } from './time';

/**
 * An ISO-8601 instant with a time and an offset (`2020-10-01T08:00:00+08:00`).
 * Stricter than `@IsISO8601()`, which also takes a bare date whose instant
 * depends on the reader's time zone.
 */
export function IsIsoInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoInstant',
      validator: {
        validate: (value) => parseInstant(value) !== undefined,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO-8601 date-time with an offset, e.g. 2020-10-01T08:00:00+08:00`,
          options,
        ),
      },
    },
    options,
  );
}

/** A string with at least one non-space character. */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value) => typeof value === 'string' && value.trim().length > 0,
        defaultMessage: buildMessage((each) => `${each}$property must not be empty`, options),
      },
    },
    options,
  );
}
