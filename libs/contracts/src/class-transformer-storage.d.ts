// class-transformer keeps `@Type()` targets in a storage that its entry point does not export and
// for which it ships no typings at this path: json-schemas.ts here and @app/messaging's compiled
// validator read its @Type() metadata (libs/messaging/tsconfig.lib.json includes this file).
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
