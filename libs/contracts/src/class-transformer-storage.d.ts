// class-transformer keeps `@Type()` targets in a storage that its entry point does not export and
// for which it ships no typings at this path; json-schemas.ts needs it to find nested classes.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
