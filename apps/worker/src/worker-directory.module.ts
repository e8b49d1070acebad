import { Global, Logger, Module } from '@nestjs/common';
import { authOptionsFromEnv, DirectoryService, resolveAuthOptions } from '@app/auth';

/**
 * The organisation directory for a worker-only process (the API gets it from
 * AuthModule): the same file and the same checks (`AUTH_ORGANISATION_FILE`;
 * the demo file outside production).
 */
@Global()
@Module({
  providers: [
    {
      provide: DirectoryService,
      useFactory: () => {
        const options = resolveAuthOptions(authOptionsFromEnv(process.env), process.env.NODE_ENV);
        const directory = DirectoryService.fromFile(options.organisationFile);
        if (directory.isDemo && options.production) {
          throw new Error(`${options.organisationFile} is the demo organisation; it is refused in production`);
        }
        new Logger('WorkerDirectory').log(`organisation from ${options.organisationFile}`);
        return directory;
      },
    },
  ],
  exports: [DirectoryService],
})
export class WorkerDirectoryModule {}
