import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import {
  BULL_BOARD_INSTANCE,
  type BullBoardInstance,
  BullBoardModule,
  type BullBoardModuleOptions,
} from '@bull-board/nestjs';
import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { DirectoryService, TokenService } from '@app/auth';
import { EngineQueues } from '../engine-queues';
import { DASHBOARD_ROUTE, dashboardAuth } from './dashboard-auth.middleware';

/**
 * The BullMQ dashboard (bull-board) at `/queues`, for admins only (see
 * `dashboardAuth` for how an operator logs in). Shows every queue of the
 * engine: retry or inspect jobs there; to retry an incident use
 * `POST /incidents/:id/retry`, which records the retry on the case.
 * Needs `AuthModule` and `JobsModule` in the app.
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      inject: [TokenService, DirectoryService],
      useFactory: (tokens: TokenService, directory: DirectoryService) => ({
        route: DASHBOARD_ROUTE,
        // @bull-board/express pins its own @bull-board/api patch version; the classes are the same at run time.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: dashboardAuth(tokens, directory),
        boardOptions: { uiConfig: { boardTitle: '工作流队列 Workflow queues' } },
      }),
    }),
  ],
})
export class QueueDashboardModule implements OnModuleInit {
  constructor(
    @Inject(BULL_BOARD_INSTANCE) private readonly board: BullBoardInstance,
    private readonly queues: EngineQueues,
  ) {}

  onModuleInit(): void {
    this.board.setQueues(this.queues.all().map((queue) => new BullMQAdapter(queue)));
  }
}
