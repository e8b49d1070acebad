/**
 * Where the runtime gets "now" for a command's `occurredAt`. The engine never
 * reads a clock; the runtime stamps each command once, and the stamp is stored.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
