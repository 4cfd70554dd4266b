// Draws every chart a page places as <div class="echart" data-option="…">:
// the option is the ECharts option as JSON, built on the server.
document.querySelectorAll('.echart[data-option]').forEach(function (el) {
  echarts.init(el).setOption(JSON.parse(el.dataset.option));
});
