"""The app's CSS and its one page script (Gradio 6 takes both in ``launch()``, not ``Blocks``)."""

from __future__ import annotations

CSS = """
.pq-answer p { margin: 0.25em 0; }
.pq-answer ul { margin: 0.2em 0 0.4em 0; padding-left: 1.2em; }
.pq-answer li { margin: 0.15em 0; }
#pq-citations .wrap { max-height: 260px; overflow-y: auto; }
.pq-answer a.pq-cite {
  display: inline-block; padding: 0 0.3em; margin: 0 0.1em; border-radius: 0.4em;
  background: #e0ecff; color: #1d4ed8; font-size: 0.85em; text-decoration: none;
  cursor: pointer; line-height: 1.4;
}
.pq-answer a.pq-cite:hover { background: #1d4ed8; color: #fff; }
.pq-sources { margin-top: 0.6em; padding-top: 0.4em; border-top: 1px dashed #cbd5e1;
  font-size: 0.9em; color: #334155; }
.pq-sources ul { margin: 0.2em 0 0 0; padding-left: 1em; list-style: none; }
.pq-sources .pq-meta { color: #64748b; margin-left: 0.5em; font-size: 0.9em; }
.pq-sources ul.pq-cites { padding-left: 1.2em; }
.pq-sources ul.pq-cites .pq-meta { margin-left: 0.2em; }
.pq-notfound { border-left: 4px solid #d97706; background: #fffbeb; padding: 0.5em 0.8em;
  border-radius: 0.3em; }
.pq-error { border-left: 4px solid #dc2626; background: #fef2f2; padding: 0.5em 0.8em;
  border-radius: 0.3em; }
.pq-badge { display: inline-block; background: #d97706; color: #fff; font-size: 0.8em;
  font-weight: 600; padding: 0.05em 0.5em; border-radius: 0.8em; margin-right: 0.5em; }
.pq-badge-error { background: #dc2626; }
.pq-resolved { color: #64748b; font-size: 0.85em; }
.pq-unverified { margin-top: 0.5em; color: #991b1b; font-size: 0.9em; }
.pq-cursor { animation: pq-blink 1s step-start infinite; color: #64748b; }
@keyframes pq-blink { 50% { opacity: 0; } }
.pq-passage { font-size: 0.95em; }
.pq-passage-empty { color: #64748b; padding: 0.8em; border: 1px dashed #cbd5e1; border-radius: 0.4em; }
.pq-passage-kind { font-weight: 600; color: #1d4ed8; margin-bottom: 0.3em; }
.pq-passage-meta { border-collapse: collapse; margin-bottom: 0.5em; width: 100%; }
.pq-passage-meta, .pq-passage-meta tr, .pq-passage-meta th, .pq-passage-meta td { border: none !important;
  background: transparent !important; }
.pq-passage-meta th { text-align: left; white-space: nowrap; color: #64748b; font-weight: 500;
  padding: 0.15em 0.8em 0.15em 0; vertical-align: top; width: 5em; }
.pq-passage-meta td { padding: 0.15em 0; }
.pq-page { margin: 0.8em 0 0; }
.pq-page-image { max-width: 100%; border: 1px solid #cbd5e1; }
.pq-page figcaption { font-size: 0.85em; color: #64748b; }
.pq-passage-text { margin: 0; padding: 0.6em 0.8em; background: #f8fafc; border-left: 3px solid #94a3b8;
  line-height: 1.7; white-space: pre-wrap; }
mark.pq-quote { background: #fde68a; padding: 0 0.1em; }
.pq-report-table { border-collapse: collapse; }
.pq-report-table td, .pq-report-table th { padding: 0.25em 0.7em; border: 1px solid #e2e8f0 !important; }
.pq-report-table th { background: #f8fafc; }
.pq-hint { color: #64748b; font-size: 0.85em; }
.pq-ok { color: #15803d; }
.pq-fail { color: #b91c1c; }
#pq-header h1 { margin-bottom: 0; }
"""

# Runs once when the page loads. A click on a citation link inside a chat message cannot reach
# Python by itself (the Chatbot only reports which message was clicked), so the script records
# which citation it was and clicks a hidden button whose event reads that value (``js=`` of the
# event in chat_tab.py) and opens the passage on the server side.
PAGE_JS = """
() => {
  if (window.__pqCiteHandler) return;
  window.__pqCiteHandler = true;
  document.addEventListener('click', (event) => {
    const link = event.target && event.target.closest ? event.target.closest('a.pq-cite') : null;
    if (!link) return;
    const m = (link.getAttribute('href') || '').match(/^#pq-cite-(\\d+)-(\\d+)$/);
    if (!m) return;
    event.preventDefault();
    event.stopPropagation();
    window.__pqCite = m[1] + ':' + m[2];
    const button = document.querySelector('#pq-open-cite');
    if (button) button.click();
  }, true);
}
"""

# The "copy answer" button's client-side handler: the plain text of the answer arrives as the
# event's input. navigator.clipboard needs a secure context (localhost is one); over plain http
# on another host we fall back to a hidden textarea and execCommand.
COPY_JS = """
(text) => {
  if (!text) return [''];
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text; area.style.position = 'fixed'; area.style.left = '-9999px';
    document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); } finally { area.remove(); }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).catch(fallback);
  } else {
    fallback();
  }
  return [text];
}
"""

READ_CITE_JS = "(key) => [window.__pqCite || key || '']"
