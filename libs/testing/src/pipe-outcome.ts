import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';

/** What a pipe answered for a request body of `metatype`: the value, or the error's response. */
export async function pipeOutcome(
  pipe: PipeTransform,
  value: unknown,
  metatype: new () => object,
): Promise<{ ok: unknown } | { error: unknown }> {
  const metadata: ArgumentMetadata = { type: 'body', metatype };
  try {
    return { ok: (await pipe.transform(value, metadata)) as unknown };
  } catch (error) {
    return { error: (error as { getResponse?: () => unknown }).getResponse?.() ?? error };
  }
}
