import { authenticate } from './api.js';
import { handleSubmit, nextPath, value } from './form.js';

// A member sent here from a page (her login had ended) goes back there after logging in, and
// also after activating first.
const back = new URLSearchParams(location.search).get('next');
const activate = document.getElementById('activate-link');
if (back && activate && nextPath('') === back) {
  activate.href = `/activate.html?next=${encodeURIComponent(back)}`;
}

const form = document.getElementById('login-form');
handleSubmit(form, document.getElementById('login-submit'), document.getElementById('form-error'), async () => {
  const memberNo = value('member_no');
  const password = document.getElementById('password').value;
  if (!memberNo) throw new Error('请输入党员编号');
  if (!password) throw new Error('请输入密码');
  await authenticate('/api/auth/login', { member_no: memberNo, password });
  location.replace(nextPath());
});
