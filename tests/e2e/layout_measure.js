// The layout check of tests/e2e/test_layout.py, run in the page: everything it finds wrong on
// the screen as it is, one line each. o = {edge, target, minFont, overflowOnly}.
(o) => {
  const vw = document.documentElement.clientWidth;
  const { edge: EDGE, target: TARGET } = o;
  const out = [];
  const seen = new Set();
  const report = (line) => { if (!seen.has(line)) { seen.add(line); out.push(line); } };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (typeof el.className === 'string' && el.className.trim())
      s += '.' + el.className.trim().split(/\s+/).join('.');
    const t = (el.textContent || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    return t ? `${s}「${t.slice(0, 16)}」` : s;
  };
  const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  // The part of the screen where an element's content is not clipped away by it or its
  // ancestors (those that hide their overflow). Remembered per element: walked once.
  const NONE = { left: -1e9, right: 1e9, top: -1e9, bottom: 1e9 };
  const clips = new Map();
  const clipSelf = (a) => {
    if (!a || a === document.documentElement) return NONE;
    let r = clips.get(a);
    if (r) return r;
    r = clipSelf(a.parentElement);
    const s = getComputedStyle(a);
    if (s.overflowX !== 'visible' || s.overflowY !== 'visible' || s.clipPath !== 'none'
        || (s.clip && s.clip !== 'auto')) r = cut(a.getBoundingClientRect(), r);
    clips.set(a, r);
    return r;
  };
  const clipOf = (el, self) => clipSelf(self ? el : el.parentElement);
  const cut = (a, c) => ({ left: Math.max(a.left, c.left), right: Math.min(a.right, c.right),
                           top: Math.max(a.top, c.top), bottom: Math.min(a.bottom, c.bottom) });
  const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
  const layers = new Map();
  const fixedLayer = (el) => {
    if (!el) return null;
    if (layers.has(el)) return layers.get(el);
    const p = getComputedStyle(el).position;
    const layer = p === 'fixed' || p === 'sticky' ? el : fixedLayer(el.parentElement);
    layers.set(el, layer);
    return layer;
  };

  // 1. horizontal overflow
  const sw = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  if (sw > vw + 0.5) report(`横向溢出：页面宽 ${sw}px，屏幕 ${vw}px`);
  if (o.overflowOnly) return out;

  // colours
  const rgba = (s) => { const m = s.match(/[\d.]+/g) || [0, 0, 0, 0];
    return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
  const over = (fg, bg) => [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat(1);
  const lum = (c) => { const v = c.slice(0, 3).map((x) => { x /= 255;
    return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  // The colours that can be behind an element: a gradient gives each of its stops.
  const backgrounds = (el) => {
    const layers = [];
    for (let a = el; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.backgroundImage !== 'none' && s.backgroundImage.includes('gradient')) {
        const stops = s.backgroundImage.match(/rgba?\([^)]*\)/g) || [];
        return stops.map((c) => layers.reduceRight((acc, l) => over(l, acc), over(rgba(c), [255, 255, 255, 1])));
      }
      const c = rgba(s.backgroundColor);
      if (c[3] >= 1) return [layers.reduceRight((acc, l) => over(l, acc), c)];
      if (c[3] > 0) layers.push(c);
    }
    return [layers.reduceRight((acc, l) => over(l, acc), [255, 255, 255, 1])];
  };
  const opacities = new Map();
  const opacityOf = (el) => {
    if (!el) return 1;
    if (!opacities.has(el)) opacities.set(el, +getComputedStyle(el).opacity * opacityOf(el.parentElement));
    return opacities.get(el);
  };

  // 2. text: edges, size, contrast, overlap
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skip = 'script,style,noscript,template,select,option,textarea,title';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.data.trim()) continue;
    const el = n.parentElement;
    if (!el || el.closest(skip) || !shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const clip = clipOf(el, true);
    const whole = [...range.getClientRects()];
    const rects = whole.map((r) => cut(r, clip)).filter((r) => area(r) > 4);
    if (!rects.length) continue;
    const s = getComputedStyle(el);
    // Cut off at a side by a box that hides its overflow (an ellipsis says so on purpose).
    const ellipsis = (a) => a && getComputedStyle(a).textOverflow === 'ellipsis';
    if (!ellipsis(el) && !ellipsis(el.parentElement)
        && whole.some((r) => area(cut(r, clip)) > 4 && (r.left < clip.left - 1 || r.right > clip.right + 1)))
      report(`文字被截断：${name(el)}`);
    let px = parseFloat(s.fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) px *= el.getScreenCTM().a;
    const label = name(el);
    if (px < o.minFont - 0.05) report(`字太小：${label} ${px.toFixed(1)}px（至少 ${o.minFont}px）`);
    for (const r of rects) {
      if (r.left < EDGE - 0.5 || r.right > vw - EDGE + 0.5)
        report(`文字离屏幕边缘不到 ${EDGE}px：${label} x=${r.left.toFixed(0)}–${r.right.toFixed(0)}`);
    }
    if (!el.closest(':disabled')) { // inactive controls are exempt (WCAG 1.4.3)
      const fg0 = rgba(el instanceof SVGElement ? s.fill : s.color);
      fg0[3] *= opacityOf(el);
      const big = px >= 24 || (px >= 18.66 && +s.fontWeight >= 700);
      const need = big ? 3 : 4.5;
      for (const bg of backgrounds(el)) {
        const c = ratio(over(fg0, bg), bg);
        if (c < need - 0.005) {
          report(`对比度不足：${label} ${c.toFixed(2)}:1（至少 ${need}:1）`);
          break;
        }
      }
    }
    texts.push({ el, rects, layer: fixedLayer(el), label });
  }
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.layer !== b.layer) continue;
      for (const p of a.rects) for (const q of b.rects) {
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        const hmin = Math.min(p.bottom - p.top, q.bottom - q.top);
        if (w > 2 && h > 0.25 * hmin) report(`文字重叠：${a.label} 与 ${b.label}`);
      }
    }
  }

  // 3. boxes: controls, images and anything with a background or a border
  const ROUNDED = (s, side) => parseFloat(s[`border${side}Radius`]) > 0;
  const edgeOk = (el, r, s) => {
    const bleedL = r.left <= 0.5 && r.left >= -0.5, bleedR = r.right >= vw - 0.5 && r.right <= vw + 0.5;
    if (bleedL && bleedR) return true;
    const leftOk = r.left >= EDGE - 0.5 || (bleedL && !ROUNDED(s, 'TopLeft') && !ROUNDED(s, 'BottomLeft')
      && !(parseFloat(s.borderLeftWidth) > 0));
    const rightOk = r.right <= vw - EDGE + 0.5 || (bleedR && !ROUNDED(s, 'TopRight')
      && !ROUNDED(s, 'BottomRight') && !(parseFloat(s.borderRightWidth) > 0));
    return leftOk && rightOk;
  };
  const CONTROL = 'a[href],button,select,textarea,input:not([type=hidden]),[role=button],[role=tab],[role=switch],summary,label';
  const REPLACED = 'img,svg,video,canvas,iframe,progress,input,select,textarea,button';
  const PROSE = 'p,li,dd,td,th,blockquote,figcaption';
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    const r = cut(box, clipOf(el));
    if (area(r) <= 4) continue;
    const s = getComputedStyle(el);
    const painted = rgba(s.backgroundColor)[3] > 0 || s.backgroundImage !== 'none'
      || ['Top', 'Right', 'Bottom', 'Left'].some((side) => parseFloat(s[`border${side}Width`]) > 0
        && rgba(s[`border${side}Color`])[3] > 0);
    const isControl = el.matches(CONTROL);
    if (painted || isControl || el.matches(REPLACED)) {
      if (r.right > vw + 0.5 || r.left < -0.5) report(`超出屏幕：${name(el)} x=${r.left.toFixed(0)}–${r.right.toFixed(0)}`);
      else if (!edgeOk(el, r, s)) report(`离屏幕边缘不到 ${EDGE}px：${name(el)} x=${r.left.toFixed(0)}–${r.right.toFixed(0)}`);
    }
    if (!isControl) continue;
    if (el.tagName === 'LABEL' && !el.querySelector('input,select,textarea')) continue;
    // A checkbox or radio inside a label: the label is the target.
    if (el.matches('input[type=checkbox],input[type=radio]') && el.closest('label')) continue;
    if (el.tagName === 'A' && s.display === 'inline') {
      const block = el.parentElement.closest(PROSE);
      const own = block ? [...block.childNodes].some((c) => c.nodeType === 3 && c.data.trim()) : false;
      const around = block && (own || [...block.querySelectorAll('*')].some((c) => !c.closest('a')
        && [...c.childNodes].some((t) => t.nodeType === 3 && t.data.trim())));
      if (around) {
        const ps = getComputedStyle(block);
        if (!s.textDecorationLine.includes('underline') && ratio(rgba(s.color), rgba(ps.color)) < 3)
          report(`链接与正文分不清（无下划线，对比不足 3:1）：${name(el)}`);
        continue; // WCAG 2.5.5: a target inside a sentence is exempt from the size
      }
    }
    if (box.width < TARGET - 0.5 || box.height < TARGET - 0.5)
      report(`点击区域小于 ${TARGET}×${TARGET}：${name(el)} ${box.width.toFixed(0)}×${box.height.toFixed(0)}`);
  }
  return out;
}
