import { authenticate } from './api.js';
import { PASSWORD_RULE, handleSubmit, nextPath, passwordOk, value } from './form.js';

const form = document.getElementById('activate-form');
handleSubmit(form, document.getElementById('activate-submit'), document.getElementById('form-error'), async () => {
  const memberNo = value('member_no');
  const name = value('name');
  const phoneLast4 = value('phone_last4');
  const password = document.getElementById('password').value;
  const password2 = document.getElementById('password2').value;
  if (!memberNo) throw new Error('请输入党员编号');
  if (!name) throw new Error('请输入姓名');
  if (!/^\d{4}$/.test(phoneLast4)) throw new Error('请输入手机号后 4 位数字');
  if (!passwordOk(password)) throw new Error(PASSWORD_RULE);
  if (password !== password2) throw new Error('两次输入的密码不一致');
  await authenticate('/api/auth/activate', {
    member_no: memberNo,
    name,
    phone_last4: phoneLast4,
    password,
  });
  location.replace(nextPath());
});
