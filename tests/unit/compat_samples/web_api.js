// structuredClone: Chrome 98, iOS 15.4.
export function copy(value) {
  return structuredClone(value);
}
