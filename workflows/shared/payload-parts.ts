import { IsNotBlank } from '@app/engine';
import { IsString, MaxLength } from 'class-validator';

/**
 * Payload building blocks every process uses the same way, so a person or a
 * place is checked by one rule wherever it appears.
 */

/** A person of the organisation directory. */
export class PersonData {
  /** User id in the organisation directory. */
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  id: string;

  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  name: string;
}

/** A person of the organisation directory, with the office or unit they belong to (科室 / 所属单位). */
export class StaffMemberData extends PersonData {
  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  unit: string;
}

/** A place of the risk-area register. */
export class PlaceData {
  /** Administrative place code, the risk-area register's key. */
  @IsString()
  @IsNotBlank()
  @MaxLength(50)
  placeCode: string;

  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  name: string;
}
