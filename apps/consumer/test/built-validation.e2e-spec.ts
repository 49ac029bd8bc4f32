import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { anOrderPlacedEvent, ServiceProcess } from '@app/testing';

const ROOT = resolve(__dirname, '..', '..', '..');
const BUILT_LIBS = join(ROOT, 'dist', 'apps', 'consumer', 'libs');

/**
 * 0008: compileValidator and sizeGuard read `@Type()` metadata through the deep import
 * `class-transformer/cjs/storage`. Under Jest both sides load the same CommonJS file; in the built
 * app Node resolves them, and a build or a class-transformer release that loads the decorators from
 * another copy (its `esm5/` build, an `exports` map) would give two storages: nested classes would
 * silently leave the compiled path and the size guard. This runs the built consumer's code in plain
 * Node, outside Jest's module registry, as the app runs it.
 */
describe('the built consumer reads class-transformer metadata', () => {
  beforeAll(() => {
    ServiceProcess.ensureBuilt('consumer');
  }, 180_000);

  it('compiles OrderPlacedEvent with its nested items from the built code, in plain Node', () => {
    const script = `
      require('reflect-metadata');
      const { compileValidator } = require(${JSON.stringify(join(BUILT_LIBS, 'platform/src/validation/compiled-validator.js'))});
      const { OrderItem, OrderPlacedEvent } = require(${JSON.stringify(join(BUILT_LIBS, 'contracts/src/index.js'))});
      const compiled = compileValidator(OrderPlacedEvent, { forbidUnknown: false });
      const accepted = compiled && compiled(${JSON.stringify(anOrderPlacedEvent())});
      process.stdout.write(JSON.stringify({
        compiled: compiled !== undefined,
        itemIsOrderItem: accepted !== undefined && accepted.items[0] instanceof OrderItem,
      }));
    `;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ compiled: true, itemIsOrderItem: true });
  });
});
