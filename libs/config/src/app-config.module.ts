import { Module, type DynamicModule, type Type } from '@nestjs/common';

/**
 * Provides an app's validated configuration object under its own class, to every module: the one
 * place settings come from, so no module reads `process.env` and tests pass a config object.
 */
@Module({})
export class AppConfigModule {
  static forRoot<T extends object>(config: T): DynamicModule {
    const token = config.constructor as Type<T>;
    return {
      module: AppConfigModule,
      global: true,
      providers: [{ provide: token, useValue: config }],
      exports: [token],
    };
  }
}
