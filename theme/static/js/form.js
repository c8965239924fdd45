// Shared behaviour of the login and activation forms.

export function showError(area, message) {
  area.textContent = message;
  area.hidden = false;
}

export function hideError(area) {
  area.hidden = true;
  area.textContent = '';
}

// Runs `action` on submit with the button disabled; shows any error's message in `area`.
// On success `action` navigates away, so the button stays disabled.
export function handleSubmit(form, button, area, action) {
  const label = button.textContent;
  button.disabled = false; // enabled only once this script runs
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    hideError(area);
    button.disabled = true;
    button.textContent = '请稍候…';
    try {
      await action();
    } catch (error) {
      showError(area, error.message || '操作失败，请稍后重试');
      button.disabled = false;
      button.textContent = label;
    }
  });
}

export function value(id) {
  return document.getElementById(id).value.trim();
}

export const PASSWORD_RULE = '密码至少 8 位，且不能全是数字';

export function passwordOk(password) {
  return password.length >= 8 && !/^\d+$/.test(password);
}

// A path on this site, or null: resolved as the browser would (so `//x` and `/\x`, which it
// reads as another host, are refused), never a full URL.
export function sitePath(value) {
  if (typeof value !== 'string' || !value.startsWith('/')) return null;
  let url;
  try {
    url = new URL(value, location.origin);
  } catch {
    return null;
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
}

// Where to go after logging in or activating: the `next` query parameter if it is a path on this
// site (not "//host", "https:", "javascript:", "/\host" or "/\t/host": each is resolved as the
// browser would and must stay on this origin), and not the login or activation page itself.
export function nextPath(fallback = '/me.html') {
  const next = sitePath(new URLSearchParams(location.search).get('next'));
  if (!next || ['/login.html', '/activate.html'].includes(next.split(/[?#]/)[0])) return fallback;
  return next;
}
