package reports

import (
	_ "embed"
)

// EChartsVersion is the pinned npm package `echarts` whose dist/echarts.min.js
// is committed in assets/ with its licence (`make echarts` refreshes it).
const EChartsVersion = "6.1.0"

//go:embed assets/echarts.min.js
var echartsJS []byte

// EChartsJS is the ECharts script, served by the binary at AssetsHost +
// "echarts.min.js" and inlined in report documents; nothing is loaded from
// outside the binary.
func EChartsJS() []byte { return echartsJS }

// AssetsHost is the binary's own static route, where go-echarts looks for
// echarts.min.js.
const AssetsHost = "/static/"
