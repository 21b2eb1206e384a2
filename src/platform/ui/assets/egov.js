// Progressive enhancement only: every page works without this file.
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = reject;
    document.head.appendChild(s);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  const summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }
  // ECharts (1 MB) only where a page has a chart or map.
  if (document.querySelector('[data-chart]')) {
    loadScript('/assets/echarts.min.js').then(() => loadScript('/assets/egov-charts.js')).catch(() => undefined);
  }
});
