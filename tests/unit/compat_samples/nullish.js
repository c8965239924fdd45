// ES2020 syntax: the module does not load in Chrome < 80 and iOS < 13.4.
export function label(rule) {
  return rule.label ?? '';
}
