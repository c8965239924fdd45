// 隐藏 a comment: its reason is required (kept in the decision log, shown to other reviewers).
// Used on 评论管理 and, fetched when a reviewer taps 隐藏, on the article page.
import { promptDialog } from './dialog.js';

/** Resolves with the reason given, or null when the reviewer cancelled. */
export function askHideReason() {
  return promptDialog({
    title: '隐藏评论',
    text: '隐藏后其他党员看不到这条评论，原因记入审核记录。',
    label: '隐藏原因',
    placeholder: '请填写隐藏原因（必填）',
    required: true,
    missing: '请填写隐藏原因',
    maxLength: 200,
    ok: '隐藏',
    danger: true,
  });
}
