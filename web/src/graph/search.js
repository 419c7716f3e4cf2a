// Search by name or op: a regular expression (case-insensitive) tested against each item's name
// and title (its op type, or "input"/"output") and each group's path.

// The query as a RegExp; null for an empty query. Throws SyntaxError for a bad expression.
export function compileQuery(text) {
  const trimmed = text.trim();
  if (!trimmed) return null;
  return new RegExp(trimmed, 'i');
}

// Matches in graph order: [{item}] and [{group}], items first within each group.
export function findMatches(data, regex) {
  if (!regex) return [];
  const matches = [];
  const visit = (group) => {
    const g = data.groups[group];
    if (group !== 0 && regex.test(g.path)) matches.push({group});
    for (const item of g.items) {
      const it = data.items[item];
      if (regex.test(it.name) || regex.test(it.title)) matches.push({item});
    }
    for (const child of g.groups) visit(child);
  };
  visit(0);
  return matches;
}
