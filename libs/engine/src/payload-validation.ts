// class-transformer's @Type reads design-time metadata; load the polyfill before any payload class.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { EngineError, type ValidationIssue } from './engine-error';
import { toPlainJson } from './effects';
import type { PayloadClass } from './workflow-definition';

/**
 * Checks a payload against its class-validator class with the API's rules
 * (whitelist + forbid non-whitelisted, nested objects validated) and returns
 * it as plain JSON: what is stored and what the machine sees, on decide and
 * on replay alike. Missing data counts as `{}` (events without fields).
 *
 * @throws EngineError `CASE.INVALID_PAYLOAD` with the issues, one per property.
 */
export function validatePayload<T = Record<string, unknown>>(cls: PayloadClass, data: unknown, what: string): T {
  const issues = payloadIssues(cls, data);
  if (issues.length > 0) throw invalidPayload(what, issues);
  // Validated above; plainToInstance keeps only what the class declares once whitelisted.
  return toPlainJson(data === undefined ? {} : data) as T;
}

/** The issues of a payload (empty when valid). */
export function payloadIssues(cls: PayloadClass, data: unknown): ValidationIssue[] {
  if (data === undefined) data = {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return [{ property: '', constraints: { isObject: 'the payload must be a JSON object' } }];
  }
  const instance = plainToInstance(cls, data as object);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    // Off so an event without fields (a class with no decorators) validates; extra keys are still refused.
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
  });
  return flatten(errors, '');
}

/** The `CASE.INVALID_PAYLOAD` error for a list of issues. */
export function invalidPayload(what: string, issues: ValidationIssue[]): EngineError {
  const summary = issues
    .slice(0, 5)
    .map((issue) => Object.values(issue.constraints).join('; '))
    .join('; ');
  return new EngineError('CASE.INVALID_PAYLOAD', `Invalid ${what}: ${summary}`, { issues });
}

function flatten(errors: ValidationError[], prefix: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const property = prefix + error.property;
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      issues.push({ property, constraints: { ...error.constraints } });
    }
    if (error.children?.length) issues.push(...flatten(error.children, `${property}.`));
  }
  return issues;
}
