import { Logger } from '@nestjs/common';

// Keep test output readable: the services' logs are shown only when E2E_LOGS is set.
if (!process.env.E2E_LOGS) {
  Logger.overrideLogger(false);
}
