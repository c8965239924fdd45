// ES2020 syntax: a parse error in Chrome < 80 and iOS < 13.4, so the whole module fails there.
export function branchName(member) {
  return member?.branch?.name;
}
