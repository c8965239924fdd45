// What every listed webview runs: modules, async/await, object spread, optional catch binding.
export async function load(get, extra) {
  try {
    const data = await get();
    return { ...data, ...extra };
  } catch {
    return null;
  } finally {
    extra.done = true;
  }
}
