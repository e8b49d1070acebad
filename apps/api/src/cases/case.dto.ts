import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** `POST /cases`: open a case of a process with its start input. */
export class StartCaseDto {
  @ApiProperty({ example: 'leaveApproval' })
  @IsString()
  @Matches(/^[a-z][A-Za-z0-9]{0,63}$/, { message: 'process must be a camelCase process name' })
  process: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The process start input (see GET /processes)',
  })
  @IsDefined()
  @IsObject()
  input: Record<string, unknown>;
}

/** `POST /cases/:id/events`: send one event to a case. */
export class SendEventDto {
  @ApiProperty({ example: 'APPROVE' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,63}$/, { message: 'type must be an event type such as APPROVE' })
  type: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Optimistic concurrency: 409 unless the case is at this revision' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  expectedRevision?: number;
}

/** `GET /cases/:id/state`: the case at a revision or a moment. */
export class StateQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'revision must be a non-negative integer' })
  revision?: string;

  @ApiPropertyOptional({ description: 'ISO-8601 instant' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'at must be an ISO-8601 instant with a time zone',
  })
  at?: string;
}
