package estate

import (
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// city is a store location template. Stores take cities in order and wrap
// around with further districts, so the first twelve stores already cover
// every time zone the service must handle (including a half-hour offset).
type city struct {
	name      string
	region    string
	tz        string
	currency  ss.Currency // what its shops price in
	urban     float64     // typical urban density of a store there
	theft     float64     // typical theft index there
	hours     []hours     // opening-hours templates; the first store there takes the first
	districts []string    // store names are "<city> <district>"
}

var cities = []city{
	{"London", "london", "Europe/London", "GBP", 1.7, 1.4, []hours{hours24, ukLarge}, []string{"Oxford Street", "Camden", "Canary Wharf", "Brixton"}},
	{"New York", "east-us", "America/New_York", "USD", 1.8, 1.3, []hours{hours24, usLong}, []string{"Herald Square", "Union Square", "Harlem", "Astoria"}},
	{"Berlin", "dach", "Europe/Berlin", "EUR", 1.3, 1.1, []hours{deLong, deSplit}, []string{"Alexanderplatz", "Kreuzberg", "Spandau", "Pankow"}},
	{"Los Angeles", "west-us", "America/Los_Angeles", "USD", 1.2, 1.5, []hours{usLong, hours24}, []string{"Westwood", "Downtown", "Burbank", "Long Beach"}},
	{"Sydney", "anz", "Australia/Sydney", "AUD", 1.2, 0.9, []hours{auLate}, []string{"Pitt Street", "Bondi", "Parramatta", "Chatswood"}},
	{"Mumbai", "india", "Asia/Kolkata", "INR", 2.0, 0.8, []hours{inMall}, []string{"Bandra", "Andheri", "Powai", "Colaba"}},
	{"Manchester", "north", "Europe/London", "GBP", 1.0, 1.2, []hours{ukLarge, hours24}, []string{"Arndale", "Salford Quays", "Didsbury", "Stockport"}},
	{"Boston", "east-us", "America/New_York", "USD", 1.0, 0.9, []hours{usLong}, []string{"Back Bay", "Cambridge", "Dorchester", "Quincy"}},
	{"Munich", "dach", "Europe/Berlin", "EUR", 0.9, 0.7, []hours{deSplit, deLong}, []string{"Marienplatz", "Schwabing", "Pasing", "Riem"}},
	{"Bristol", "south", "Europe/London", "GBP", 0.8, 1.0, []hours{ukLarge}, []string{"Cabot Circus", "Clifton", "Bedminster", "Filton"}},
	{"Chicago", "central-us", "America/Chicago", "USD", 1.4, 1.4, []hours{usLong, hours24}, []string{"State Street", "Wicker Park", "Evanston", "Oak Park"}},
	{"Melbourne", "anz", "Australia/Melbourne", "AUD", 1.1, 0.8, []hours{auLate}, []string{"Bourke Street", "Richmond", "Docklands", "Box Hill"}},
	{"Leeds", "north", "Europe/London", "GBP", 0.8, 1.1, []hours{ukLarge}, []string{"Briggate", "Headingley", "Kirkstall", "Roundhay"}},
	{"San Francisco", "west-us", "America/Los_Angeles", "USD", 1.5, 1.9, []hours{usLong}, []string{"Market Street", "Mission", "Sunset", "Daly City"}},
	{"Paris", "france", "Europe/Paris", "EUR", 1.6, 1.2, []hours{frStd}, []string{"Rivoli", "Bastille", "La Défense", "Montparnasse"}},
	{"Birmingham", "midlands", "Europe/London", "GBP", 0.9, 1.1, []hours{ukLarge}, []string{"Bullring", "Edgbaston", "Solihull", "Erdington"}},
	{"Brighton", "south", "Europe/London", "GBP", 0.7, 0.9, []hours{ukLarge}, []string{"Churchill Square", "Hove", "Kemptown", "Preston Park"}},
	{"Bengaluru", "india", "Asia/Kolkata", "INR", 1.5, 0.7, []hours{inMall}, []string{"Koramangala", "Indiranagar", "Whitefield", "Jayanagar"}},
}

// hours is an opening-hours template: per weekday (time.Weekday order,
// Sunday first) the open intervals "HH:MM"-"HH:MM"; nil means closed.
type hours [7][][2]string

var (
	all24    = [][2]string{{"00:00", "24:00"}}
	hours24  = hours{all24, all24, all24, all24, all24, all24, all24}
	ukLarge  = hours{{{"10:00", "16:00"}}, day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("08:00", "22:00")}
	usLong   = hours{day("08:00", "22:00"), day("07:00", "23:00"), day("07:00", "23:00"), day("07:00", "23:00"), day("07:00", "23:00"), day("07:00", "24:00"), day("07:00", "24:00")}
	deLong   = hours{nil, day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("08:00", "22:00")}
	deSplit  = hours{nil, split, split, split, split, split, day("08:00", "18:00")}
	split    = [][2]string{{"08:00", "13:00"}, {"14:00", "20:00"}}
	auLate   = hours{day("09:00", "21:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "22:00"), day("07:00", "24:00"), day("07:00", "22:00"), day("07:00", "22:00")}
	inMall   = hours{day("09:00", "23:00"), day("10:00", "22:00"), day("10:00", "22:00"), day("10:00", "22:00"), day("10:00", "22:00"), day("10:00", "23:00"), day("09:00", "23:00")}
	frStd    = hours{day("09:00", "13:00"), day("08:00", "21:00"), day("08:00", "21:00"), day("08:00", "21:00"), day("08:00", "21:00"), day("08:00", "21:00"), day("08:00", "21:00")}
	weekdays = [7]time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

func day(open, closing string) [][2]string { return [][2]string{{open, closing}} }

// openingHours converts a template to the domain type (fresh slices, so
// stores never share mutable state).
func (h hours) openingHours() ss.OpeningHours {
	oh := ss.OpeningHours{}
	for _, wd := range weekdays {
		if len(h[wd]) == 0 {
			continue
		}
		oh[ss.WeekdayKey(wd)] = append([][2]string(nil), h[wd]...)
	}
	return oh
}

// category is a merchandise category with its typical unit value, its
// relative theft risk and how thieves conceal it (weights over ss.Methods).
type category struct {
	name    string
	label   string
	value   float64
	risk    float64
	methods [7]float64 // pocket, bag, under_clothing, sleeve, stroller, other, unknown
	remedy  string     // what a merchandiser does to protect it
}

var categories = map[string]*category{}

func init() {
	for _, c := range []*category{
		{"razors", "Razors", 25, 3.0, [7]float64{35, 30, 12, 15, 2, 3, 3}, "moved razor blades into a locked display by the tills"},
		{"spirits", "Spirits", 30, 2.6, [7]float64{5, 52, 24, 2, 8, 5, 4}, "fitted bottle security caps and moved spirits into sight of the tills"},
		{"electronics", "Electronics", 80, 2.2, [7]float64{35, 38, 10, 5, 2, 5, 5}, "put dummy boxes on the shelf, stock held at the counter"},
		{"cosmetics", "Cosmetics", 18, 2.2, [7]float64{40, 20, 7, 25, 1, 4, 3}, "lowered cosmetics fixtures and added mirrors and camera signage"},
		{"fragrance", "Fragrance", 55, 2.0, [7]float64{20, 45, 15, 12, 1, 4, 3}, "moved fragrance testers apart from stock, stock behind the counter"},
		{"baby_formula", "Baby formula", 22, 2.0, [7]float64{2, 45, 10, 1, 34, 4, 4}, "limited baby formula facings and moved it next to the pharmacy"},
		{"meat", "Fresh meat", 14, 1.4, [7]float64{3, 55, 25, 2, 8, 4, 3}, "tagged premium meat and moved it to the staffed counter"},
		{"batteries", "Batteries", 12, 1.6, [7]float64{55, 20, 8, 10, 1, 3, 3}, "moved batteries from the endcap onto the checkout fixtures"},
		{"otc_medicine", "Medicines", 8, 1.2, [7]float64{50, 25, 8, 10, 1, 3, 3}, "moved pain relief behind the pharmacy counter"},
		{"tobacco", "Tobacco", 12, 1.5, [7]float64{45, 25, 12, 10, 1, 4, 3}, "closed the tobacco gantry doors between sales"},
		{"apparel", "Apparel", 35, 1.2, [7]float64{8, 30, 50, 4, 2, 3, 3}, "added a fitting-room attendant and item-count tags"},
		{"coffee", "Coffee", 9, 1.1, [7]float64{10, 55, 18, 3, 6, 4, 4}, "reduced coffee facings and added shelf-edge alarms"},
		{"confectionery", "Confectionery", 3, 0.8, [7]float64{55, 20, 5, 12, 2, 3, 3}, "moved confectionery into the checkout sight-line"},
		{"toys", "Toys", 20, 0.7, [7]float64{15, 45, 8, 5, 19, 4, 4}, "moved small toys to high shelves near staff"},
		{"seasonal", "Seasonal", 10, 0.6, [7]float64{20, 45, 10, 5, 10, 5, 5}, "moved seasonal lines nearer the entrance greeter"},
		{"grocery", "Grocery", 6, 0.4, [7]float64{25, 45, 8, 4, 8, 5, 5}, "raised grocery sight-lines"},
		{"household", "Household", 7, 0.3, [7]float64{15, 55, 8, 4, 8, 5, 5}, "raised household sight-lines"},
	} {
		categories[c.name] = c
	}
}

// MethodWeights returns the true distribution of concealment methods for a
// category, as probabilities in the order of shrinkscope.Methods.
func MethodWeights(cat string) []float64 {
	c, ok := categories[cat]
	if !ok {
		c = categories["grocery"]
	}
	var sum float64
	for _, w := range c.methods {
		sum += w
	}
	out := make([]float64, len(c.methods))
	for i, w := range c.methods {
		out[i] = w / sum
	}
	return out
}

// kindInfo: a zone kind's risk multiplier and the share of entrance
// visitors that pass through it in an hour.
var kindInfo = map[ss.ZoneKind]struct{ risk, traffic float64 }{
	ss.KindEntrance: {0.4, 0.95},
	ss.KindCheckout: {0.5, 0.75},
	ss.KindAisle:    {1.0, 0.25},
	ss.KindEndcap:   {1.4, 0.35},
	ss.KindPromo:    {1.2, 0.45},
	ss.KindCounter:  {0.6, 0.15},
	ss.KindFitting:  {1.5, 0.08},
}

// Category pools by zone kind.
var (
	aisleCats    = []string{"grocery", "confectionery", "razors", "baby_formula", "cosmetics", "spirits", "meat", "coffee", "otc_medicine", "household", "batteries", "toys", "electronics", "apparel"}
	endcapCats   = []string{"razors", "spirits", "batteries", "coffee", "cosmetics", "confectionery", "electronics"}
	promoCats    = []string{"seasonal", "confectionery", "spirits", "electronics", "toys"}
	counterCats  = []string{"tobacco", "fragrance", "electronics", "spirits", "cosmetics"}
	checkoutCats = []string{"confectionery", "confectionery", "batteries"}
)

// Event-rate multipliers by local weekday (Sunday first) and local hour:
// thefts concentrate late in the evening, at night and at weekends.
var (
	rateByDay  = [7]float64{1.15, 0.90, 0.90, 0.95, 1.00, 1.10, 1.20}
	rateByHour = [24]float64{1.4, 1.4, 1.4, 1.4, 1.4, 1.4, 1.4, 0.75, 0.75, 0.75, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 1.1, 1.1, 1.1, 1.35, 1.35, 1.35, 1.5, 1.5}
	hourOfWeek [7][24]float64
)

func init() {
	for d := range rateByDay {
		for h := range rateByHour {
			hourOfWeek[d][h] = rateByDay[d] * rateByHour[h]
		}
	}
}

// HourOfWeekFactor is the true event-rate multiplier of a local weekday and
// hour (0–23): rateByDay[weekday] × rateByHour[hour].
func HourOfWeekFactor(wd time.Weekday, hour int) float64 { return hourOfWeek[wd][hour] }

// Footfall shape: visitors by local weekday (Sunday first), by local hour
// (lunch and after-work peaks), and by month (Christmas trading).
var (
	visitsByDay   = [7]float64{0.85, 0.90, 0.88, 0.92, 0.98, 1.10, 1.30}
	visitsByHour  = [24]float64{0.04, 0.03, 0.03, 0.03, 0.03, 0.05, 0.12, 0.30, 0.50, 0.60, 0.70, 0.85, 1.15, 1.10, 0.80, 0.75, 0.85, 1.15, 1.20, 0.90, 0.60, 0.40, 0.20, 0.10}
	visitsByMonth = [13]float64{0, 0.90, 0.92, 0.97, 1.00, 1.00, 1.00, 1.02, 1.02, 0.98, 1.00, 1.08, 1.20}
	// visitsNorm makes DailyVisitors the expected entrance count of an
	// average day open 08:00–22:00.
	visitsNorm = func() float64 {
		var s float64
		for h := 8; h < 22; h++ {
			s += visitsByHour[h]
		}
		return s
	}()
)
