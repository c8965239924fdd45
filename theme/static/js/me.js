import { api, clearSession, requireLogin } from './api.js';
import { showError } from './form.js';

requireLogin(); // a login that ended goes to login and back here

const $ = (id) => document.getElementById(id);
const REVIEW_ROLES = new Set(['branch_secretary', 'general_branch_committee', 'party_committee', 'admin']);

function render(me) {
  $('me-name').textContent = me.name;
  $('me-avatar').textContent = me.name.slice(0, 1) || '党';
  $('me-status').textContent = me.status_label;
  $('me-member-no').textContent = me.member_no;
  // One line each: her branch, and the units above it.
  const path = (me.branch_path || []).map((unit) => unit.name);
  $('me-branch').textContent = path.length ? path[path.length - 1] : '';
  $('me-above').textContent = path.slice(0, -1).join(' › ') || '—';
  $('me-joined').textContent = me.joined_on || '';
  const roles = $('me-roles');
  roles.textContent = '';
  if (!me.roles || me.roles.length === 0) {
    roles.textContent = '党员';
    return;
  }
  // Reviewers (a role that manages a unit) get the way to the 待审核 page.
  const reviewer = me.roles.some((r) => REVIEW_ROLES.has(r.role));
  document.getElementById('me-review').hidden = !reviewer;
  for (const role of me.roles) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = role.unit ? `${role.label} · ${role.unit.name}` : role.label;
    roles.append(tag);
  }
}

// Signed out only when the server says so: on a shared phone a logout that did not reach the
// server would leave the login (and its cookie) for the next person.
async function logout(button) {
  button.disabled = true;
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } catch (error) {
    button.disabled = false;
    showError($('form-error'), `退出失败：${error.message}。请联网后再点“退出登录”。`);
    return;
  }
  clearSession();
  location.replace('/login.html');
}

// 适老化 large text: the class on <html> that base.html's head script sets from the same key
// before the first paint of every page.
const LARGE_TEXT_KEY = 'large_text';

function largeTextSwitch() {
  const box = $('large-text');
  box.checked = document.documentElement.classList.contains('large-text');
  box.disabled = false;
  box.addEventListener('change', () => {
    document.documentElement.classList.toggle('large-text', box.checked);
    try {
      if (box.checked) localStorage.setItem(LARGE_TEXT_KEY, '1');
      else localStorage.removeItem(LARGE_TEXT_KEY);
    } catch {
      // storage blocked: large text for this page only
    }
  });
}

async function main() {
  largeTextSwitch();
  const button = $('logout');
  button.disabled = false;
  button.addEventListener('click', () => logout(button));
  let me;
  try {
    me = await api('/api/me');
  } catch (error) {
    $('me-name').textContent = '加载失败';
    showError($('form-error'), error.message);
    return;
  }
  render(me);
}

main();
