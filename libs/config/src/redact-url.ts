/** Removes the password from a broker URL so it can be logged or shown in an error. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** An error's message with the URL's password blanked, should a library ever echo it. */
export function messageWithoutPassword(error: unknown, url: string): string {
  let message = error instanceof Error ? error.message : String(error);
  const encoded = URL.canParse(url) ? new URL(url).password : '';
  const forms = [encoded];
  try {
    forms.push(decodeURIComponent(encoded));
  } catch {
    // Not valid percent-encoding: only the form as written can appear.
  }
  for (const password of forms.filter((form) => form !== '')) {
    message = message.split(password).join('***');
  }
  return message;
}
