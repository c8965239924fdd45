import { authenticate, nextPath } from './api.js';
import { handleSubmit, value } from './form.js';

const form = document.getElementById('login-form');
handleSubmit(form, document.getElementById('login-submit'), document.getElementById('form-error'), async () => {
  const memberNo = value('member_no');
  const password = document.getElementById('password').value;
  if (!memberNo) throw new Error('请输入党员编号');
  if (!password) throw new Error('请输入密码');
  await authenticate('/api/auth/login', { member_no: memberNo, password });
  location.replace(nextPath());
});
