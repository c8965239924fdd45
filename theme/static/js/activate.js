import { authenticate } from './api.js';
import { PASSWORD_RULE, handleSubmit, hideError, nextPath, passwordOk, value } from './form.js';

const $ = (id) => document.getElementById(id);
// Sent here by the 企业微信 / 公众号 sign-in (its callback): the account is bound once, with no
// password to choose; a member who already has one confirms with it instead of her phone.
const bind = { wecom: '企业微信', mp: '公众号' }[new URLSearchParams(location.search).get('bind')];
let byPassword = false;

function showBindMode() {
  $('cell-name').hidden = byPassword;
  $('cell-phone').hidden = byPassword;
  $('password-title').hidden = !byPassword;
  $('password-cells').hidden = !byPassword;
  $('cell-password2').hidden = true;
  $('password-title').textContent = '登录密码';
  $('password').placeholder = '请输入已设置的密码';
  $('password').autocomplete = 'current-password';
  $('bind-mode').textContent = byPassword ? '未设置过密码？核对身份信息' : '已设置过密码？用密码确认';
  hideError($('form-error'));
}

if (bind) {
  document.title = document.title.replace('激活账号', `绑定${bind}`);
  $('activate-title').textContent = `绑定${bind}`;
  $('activate-intro').textContent = `首次使用请核对一次身份信息，之后在${bind}中打开即自动登录，无需密码`;
  $('activate-submit').textContent = '核对并登录';
  $('activated-link').hidden = true;
  $('bind-switch').hidden = false;
  $('bind-mode').addEventListener('click', (event) => {
    event.preventDefault();
    byPassword = !byPassword;
    showBindMode();
  });
  showBindMode();
}

async function bindAccount(memberNo) {
  if (byPassword) {
    const password = $('password').value;
    if (!password) throw new Error('请输入密码');
    await authenticate('/api/auth/bind', { member_no: memberNo, password });
    return;
  }
  const name = value('name');
  const phoneLast4 = value('phone_last4');
  if (!name) throw new Error('请输入姓名');
  if (!/^\d{4}$/.test(phoneLast4)) throw new Error('请输入手机号后 4 位数字');
  await authenticate('/api/auth/bind', { member_no: memberNo, name, phone_last4: phoneLast4 });
}

const form = $('activate-form');
handleSubmit(form, $('activate-submit'), $('form-error'), async () => {
  const memberNo = value('member_no');
  if (!memberNo) throw new Error('请输入党员编号');
  if (bind) {
    await bindAccount(memberNo);
    location.replace(nextPath());
    return;
  }
  const name = value('name');
  const phoneLast4 = value('phone_last4');
  const password = $('password').value;
  const password2 = $('password2').value;
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
