/**
 * How plughub's schemas use zod: they are written with `zod/mini`, zod 4's
 * functional API, whose unused parts a bundler drops (the method-chaining
 * `zod` keeps every method of every schema it uses, about 94 KiB minified in
 * a browser bundle, against about 40 KiB for `zod/mini`), and every parse
 * is given zod's English messages. `zod/mini` loads no locale of its own and
 * the global one is the app's to choose, so passing the messages to each
 * parse keeps what our errors quote the same whatever the app configured.
 */
import type * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';

const { localeError } = english();

/**
 * The message zod's English locale gives an issue ("Invalid input: expected
 * string, received number"), for the `error` option of a parse.
 *
 * @example pluginDocumentSchema.safeParse(input, { error: englishMessage })
 */
export function englishMessage(issue: z.core.$ZodRawIssue): string {
  const message = localeError(issue);
  return typeof message === 'string' ? message : (message?.message ?? 'Invalid input');
}
