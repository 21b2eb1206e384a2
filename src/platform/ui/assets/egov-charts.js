// Draws every [data-chart] element with ECharts (loaded by egov.js before this file). The option and
// any GeoJSON maps come from the JSON script the attribute names; the table beside it stays the source
// of truth for readers without the picture.
(function drawCharts() {
  if (!window.echarts) return;
  const charts = [];
  for (const el of document.querySelectorAll('[data-chart]')) {
    const source = document.getElementById(el.getAttribute('data-chart'));
    if (!source) continue;
    let spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch {
      continue;
    }
    for (const [name, geoJson] of Object.entries(spec.maps || {})) window.echarts.registerMap(name, geoJson);
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(spec.option);
    charts.push(chart);
  }
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
})();
