// Package workforce turns the risk forecast into staffing: the hour-of-week
// forecast of events and loss per store, the exact shift optimiser, SOC
// operator counts by Erlang C, and the weekly plans planners download as
// JSON, CSV and XLSX. Forecast, optimiser and exports are pure functions;
// Service is the thin layer that reads KPIs through kpi/ and stores plans.
package workforce
