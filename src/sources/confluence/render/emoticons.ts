// Confluence's named emoticons (`ac:emoticon ac:name="…"`) as the characters they show.

const EMOTICONS: ReadonlyMap<string, string> = new Map([
  ['smile', '🙂'],
  ['sad', '🙁'],
  ['cheeky', '😛'],
  ['laugh', '😀'],
  ['wink', '😉'],
  ['thumbs-up', '👍'],
  ['thumbs-down', '👎'],
  ['information', 'ℹ️'],
  ['tick', '✅'],
  ['cross', '❌'],
  ['warning', '⚠️'],
  ['plus', '➕'],
  ['minus', '➖'],
  ['question', '❓'],
  ['light-on', '💡'],
  ['light-off', '💡'],
  ['yellow-star', '⭐'],
  ['red-star', '⭐'],
  ['green-star', '⭐'],
  ['blue-star', '⭐'],
  ['heart', '❤️'],
  ['broken-heart', '💔'],
]);

/** The character for an emoticon: its name, else the editor's fallback (if short), else the name in colons. */
export function emoticonText(name: string | undefined, fallback: string | undefined): string {
  const known = name === undefined ? undefined : EMOTICONS.get(name);
  if (known) return known;
  if (fallback && [...fallback].length <= 16) return fallback;
  return name ? `:${name}:` : '';
}
