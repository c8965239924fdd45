// WeUI-style dialogs in place of the browser's confirm() and prompt(), which WeChat shows with
// the page's address as title and which cannot be styled or made large: a title, a text, an
// optional textarea (a reason that may be required), 取消 and 确定. Each returns a promise.
// Keyboard and screen readers: role="dialog" aria-modal, focus kept inside (Tab cycles), Esc
// cancels, focus goes back where it was. Styles in css/dialog.css, fetched on first use.
import { uiStyles } from './ui_css.js';
import { el } from './dom.js';

let counter = 0;
const openDialogs = new Set(); // each open dialog's way to cancel itself

function focusables(root) {
  return [...root.querySelectorAll('button, textarea, input, select, [href], [tabindex]:not([tabindex="-1"])')].filter(
    (node) => !node.disabled && !node.hidden,
  );
}

// One dialog; resolves with the textarea's trimmed text (or true without one) on 确定, null on
// 取消 or Esc.
async function open({ title, text = '', ok = '确定', cancel = '取消', input = null, danger = false, fields = null }) {
  await uiStyles();
  return new Promise((resolve) => {
    const id = `dj-dialog-${(counter += 1)}`;
    const before = document.activeElement;
    const root = el('div', 'dj-dialog-wrap');
    const mask = el('div', 'dj-mask');
    const box = el('div', 'dj-dialog');
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    box.setAttribute('aria-labelledby', `${id}-title`);
    const head = el('h2', 'dj-dialog-title', title);
    head.id = `${id}-title`;
    const body = el('div', 'dj-dialog-bd');
    if (text) {
      const p = el('p', 'dj-dialog-text', text);
      p.id = `${id}-text`;
      box.setAttribute('aria-describedby', p.id);
      body.append(p);
    }
    let area = null;
    const error = el('p', 'dj-dialog-error');
    error.id = `${id}-error`;
    error.setAttribute('role', 'alert');
    error.hidden = true;
    if (input) {
      // `line`: one line (an amount, a number) with the keyboard `inputMode` asks for.
      area = el(input.line ? 'input' : 'textarea', `dj-dialog-input${input.line ? ' is-line' : ''}`);
      if (input.line) area.inputMode = input.inputMode || 'text';
      else area.rows = 3;
      area.maxLength = input.maxLength || 200;
      area.placeholder = input.placeholder || '';
      area.setAttribute('aria-label', input.label || title);
      area.setAttribute('aria-describedby', error.id);
      if (input.required) area.required = true;
      body.append(area, error);
    }
    const controls = fields ? fieldControls(fields, id) : [];
    if (fields) {
      for (const control of controls) body.append(control.row);
      error.setAttribute('aria-live', 'assertive');
      body.append(error);
    }
    const foot = el('div', 'dj-dialog-ft');
    const no = el('button', 'dj-dialog-btn dj-dialog-cancel', cancel);
    const yes = el('button', `dj-dialog-btn dj-dialog-ok${danger ? ' is-warn' : ''}`, ok);
    no.type = 'button';
    yes.type = 'button';
    foot.append(no, yes);
    box.append(head, body, foot);
    root.append(mask, box);

    const overflow = document.body.style.overflow;
    // Older webviews' screen readers ignore aria-modal: the page behind is hidden from them too
    // (not the toasts' live region).
    const behind = [...document.body.children].filter(
      (node) => !node.hasAttribute('aria-hidden') && !node.classList.contains('dj-toast-region'),
    );
    function close(value) {
      openDialogs.delete(close);
      document.removeEventListener('keydown', onKey, true);
      for (const node of behind) node.removeAttribute('aria-hidden');
      root.remove();
      document.body.style.overflow = overflow;
      if (before && typeof before.focus === 'function' && document.contains(before)) before.focus();
      resolve(value);
    }
    function accept() {
      if (fields) {
        const missing = controls.find((c) => c.spec.required && !c.node.value.trim());
        if (missing) {
          error.textContent = `请填写${missing.spec.label}`;
          error.hidden = false;
          missing.node.setAttribute('aria-invalid', 'true');
          missing.node.focus();
          return;
        }
        const values = {};
        for (const c of controls) values[c.spec.name] = c.node.value.trim();
        close(values);
        return;
      }
      if (!area) {
        close(true);
        return;
      }
      const value = area.value.trim();
      // `check(value)`: a message when the value will not do (the dialog stays open), else null.
      let problem = input.check ? input.check(value) : null;
      if (input.required && !value) problem = input.missing || '请填写后再确定';
      if (problem) {
        error.textContent = problem;
        error.hidden = false;
        area.setAttribute('aria-invalid', 'true');
        area.focus();
        return;
      }
      close(value);
    }
    function onKey(event) {
      if (event.key === 'Escape' || event.key === 'Esc') {
        event.preventDefault();
        close(null);
      } else if (event.key === 'Tab') {
        // Keep focus inside: from the last control to the first and back.
        const items = focusables(box);
        const first = items[0];
        const last = items[items.length - 1];
        if (event.shiftKey && (document.activeElement === first || !box.contains(document.activeElement))) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && (document.activeElement === last || !box.contains(document.activeElement))) {
          event.preventDefault();
          first.focus();
        }
      }
    }
    no.addEventListener('click', () => close(null));
    yes.addEventListener('click', accept);
    mask.addEventListener('click', () => (area ? area.focus() : no.focus())); // WeUI: the mask does not close
    if (area) {
      area.addEventListener('input', () => {
        error.hidden = true;
        area.removeAttribute('aria-invalid');
      });
    }
    document.addEventListener('keydown', onKey, true);
    openDialogs.add(close);
    for (const node of behind) node.setAttribute('aria-hidden', 'true');
    document.body.append(root);
    document.body.style.overflow = 'hidden'; // the page behind does not scroll
    // The reason to write, else the safe choice for a destructive action, else 确定.
    (area || (controls[0] && controls[0].node) || (danger ? no : yes)).focus();
  });
}

// The labelled controls of a form dialog: date, text, number inputs and selects.
function fieldControls(fields, id) {
  return fields.map((spec, n) => {
    const row = el('label', 'dj-dialog-field');
    row.append(el('span', 'dj-dialog-label', spec.label));
    let node;
    if (spec.options) {
      node = el('select', 'dj-dialog-control');
      for (const option of spec.options) {
        const item = el('option', '', option.label);
        item.value = option.value;
        node.append(item);
      }
    } else {
      node = el('input', 'dj-dialog-control');
      node.type = spec.type || 'text';
      if (spec.min) node.min = spec.min;
      if (spec.max) node.max = spec.max;
      if (spec.maxLength) node.maxLength = spec.maxLength;
      if (spec.placeholder) node.placeholder = spec.placeholder;
      if (spec.inputMode) node.inputMode = spec.inputMode;
      node.autocomplete = 'off';
    }
    node.id = `${id}-f${n}`;
    node.name = spec.name;
    if (spec.value !== undefined) node.value = spec.value;
    if (spec.required) node.required = true;
    node.addEventListener('input', () => node.removeAttribute('aria-invalid'));
    row.append(node);
    return { spec, node, row };
  });
}

/**
 * A small form: resolves with {name: trimmed value} on 确定, null when cancelled. A required
 * field left empty is named and keeps the dialog open.
 * @param {{title: string, text?: string, ok?: string, cancel?: string,
 *   fields: Array<{name: string, label: string, type?: string, value?: string, min?: string,
 *   max?: string, maxLength?: number, placeholder?: string, inputMode?: string, required?: boolean,
 *   options?: Array<{value: string, label: string}>}>}} options
 * @returns {Promise<Object<string, string>|null>}
 */
export function formDialog(options) {
  return open(options);
}

/**
 * 取消 / 确定 for an action: resolves true when confirmed, false otherwise.
 * @param {{title: string, text?: string, ok?: string, cancel?: string, danger?: boolean}} options
 * @returns {Promise<boolean>}
 */
export async function confirmDialog(options) {
  return (await open(options)) === true;
}

/**
 * A reason for an action: resolves with the trimmed text, or null when cancelled. With
 * `required`, 确定 on an empty text says so and keeps the dialog open.
 * @param {{title: string, text?: string, ok?: string, cancel?: string, danger?: boolean,
 *   label?: string, placeholder?: string, required?: boolean, missing?: string, maxLength?: number,
 *   line?: boolean, inputMode?: string, check?: (value: string) => string|null}} options
 * @returns {Promise<string|null>}
 */
export function promptDialog({ label, placeholder, required = false, missing, maxLength, line, inputMode, check, ...rest }) {
  return open({ ...rest, input: { label, placeholder, required, missing, maxLength, line, inputMode, check } });
}

/** Cancels every open dialog (the question it asked no longer stands, e.g. the time is up). */
export function closeDialogs() {
  for (const close of [...openDialogs].reverse()) close(null); // last opened first
}
