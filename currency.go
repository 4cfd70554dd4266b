package shrinkscope

import (
	"math"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 alphabetic code: every store has one, and its
// facts and figures are in it, exact to its minor unit (DESIGN.md, Money).
type Currency string

// currencyInfo is one active ISO 4217 currency: its minor units (the
// decimal places of its smallest coin) and the symbol pages show.
type currencyInfo struct {
	minor  int
	symbol string
}

// currencies are the active ISO 4217 currencies (list one of the
// standard's maintenance agency, SIX, 2025 edition), with their minor
// units. Fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), precious
// metals, SDRs and the testing and "no currency" codes (XAU … XXX) are left
// out: no shop prices its goods in them. Symbols are the ones a reader of
// several countries' figures tells apart (A$ beside $); a currency without
// one is shown with its code.
var currencies = map[Currency]currencyInfo{
	"AED": {2, ""}, "AFN": {2, ""}, "ALL": {2, ""}, "AMD": {2, ""}, "ANG": {2, ""}, "AOA": {2, ""},
	"ARS": {2, ""}, "AUD": {2, "A$"}, "AWG": {2, ""}, "AZN": {2, ""}, "BAM": {2, ""}, "BBD": {2, ""},
	"BDT": {2, "৳"}, "BGN": {2, ""}, "BHD": {3, ""}, "BIF": {0, ""}, "BMD": {2, ""}, "BND": {2, ""},
	"BOB": {2, ""}, "BRL": {2, "R$"}, "BSD": {2, ""}, "BTN": {2, ""}, "BWP": {2, ""}, "BYN": {2, ""},
	"BZD": {2, ""}, "CAD": {2, "CA$"}, "CDF": {2, ""}, "CHF": {2, ""}, "CLP": {0, ""}, "CNY": {2, "CN¥"},
	"COP": {2, ""}, "CRC": {2, ""}, "CUP": {2, ""}, "CVE": {2, ""}, "CZK": {2, ""}, "DJF": {0, ""},
	"DKK": {2, ""}, "DOP": {2, ""}, "DZD": {2, ""}, "EGP": {2, ""}, "ERN": {2, ""}, "ETB": {2, ""},
	"EUR": {2, "€"}, "FJD": {2, ""}, "FKP": {2, ""}, "GBP": {2, "£"}, "GEL": {2, ""}, "GHS": {2, ""},
	"GIP": {2, ""}, "GMD": {2, ""}, "GNF": {0, ""}, "GTQ": {2, ""}, "GYD": {2, ""}, "HKD": {2, "HK$"},
	"HNL": {2, ""}, "HTG": {2, ""}, "HUF": {2, ""}, "IDR": {2, ""}, "ILS": {2, "₪"}, "INR": {2, "₹"},
	"IQD": {3, ""}, "IRR": {2, ""}, "ISK": {0, ""}, "JMD": {2, ""}, "JOD": {3, ""}, "JPY": {0, "¥"},
	"KES": {2, ""}, "KGS": {2, ""}, "KHR": {2, ""}, "KMF": {0, ""}, "KPW": {2, ""}, "KRW": {0, "₩"},
	"KWD": {3, ""}, "KYD": {2, ""}, "KZT": {2, ""}, "LAK": {2, ""}, "LBP": {2, ""}, "LKR": {2, ""},
	"LRD": {2, ""}, "LSL": {2, ""}, "LYD": {3, ""}, "MAD": {2, ""}, "MDL": {2, ""}, "MGA": {2, ""},
	"MKD": {2, ""}, "MMK": {2, ""}, "MNT": {2, ""}, "MOP": {2, ""}, "MRU": {2, ""}, "MUR": {2, ""},
	"MVR": {2, ""}, "MWK": {2, ""}, "MXN": {2, "MX$"}, "MYR": {2, ""}, "MZN": {2, ""}, "NAD": {2, ""},
	"NGN": {2, "₦"}, "NIO": {2, ""}, "NOK": {2, ""}, "NPR": {2, ""}, "NZD": {2, "NZ$"}, "OMR": {3, ""},
	"PAB": {2, ""}, "PEN": {2, ""}, "PGK": {2, ""}, "PHP": {2, "₱"}, "PKR": {2, ""}, "PLN": {2, ""},
	"PYG": {0, ""}, "QAR": {2, ""}, "RON": {2, ""}, "RSD": {2, ""}, "RUB": {2, ""}, "RWF": {0, ""},
	"SAR": {2, ""}, "SBD": {2, ""}, "SCR": {2, ""}, "SDG": {2, ""}, "SEK": {2, ""}, "SGD": {2, "S$"},
	"SHP": {2, ""}, "SLE": {2, ""}, "SOS": {2, ""}, "SRD": {2, ""}, "SSP": {2, ""}, "STN": {2, ""},
	"SVC": {2, ""}, "SYP": {2, ""}, "SZL": {2, ""}, "THB": {2, "฿"}, "TJS": {2, ""}, "TMT": {2, ""},
	"TND": {3, ""}, "TOP": {2, ""}, "TRY": {2, ""}, "TTD": {2, ""}, "TWD": {2, "NT$"}, "TZS": {2, ""},
	"UAH": {2, ""}, "UGX": {0, ""}, "USD": {2, "$"}, "UYU": {2, ""}, "UZS": {2, ""}, "VED": {2, ""},
	"VES": {2, ""}, "VND": {0, "₫"}, "VUV": {0, ""}, "WST": {2, ""}, "XAF": {0, ""}, "XCD": {2, ""},
	"XCG": {2, ""}, "XOF": {0, ""}, "XPF": {0, ""}, "YER": {2, ""}, "ZAR": {2, ""}, "ZMW": {2, ""},
	"ZWG": {2, ""},
}

// Valid reports whether c is an active ISO 4217 currency.
func (c Currency) Valid() bool { _, ok := currencies[c]; return ok }

// MinorUnits is the number of decimal places of c's smallest unit: 2 for
// GBP, 0 for JPY, 3 for KWD; -1 for a code that is not a currency.
func (c Currency) MinorUnits() int {
	if info, ok := currencies[c]; ok {
		return info.minor
	}
	return -1
}

// StoredDecimals is how many decimal places amounts of c keep: its minor
// units, but at most the two that facts are stored with (numeric(…, 2)),
// so a store in a three-decimal currency (BHD, KWD, OMR, …) records
// amounts to the 10-fils.
func (c Currency) StoredDecimals() int {
	if m := c.MinorUnits(); m >= 0 {
		return min(m, 2)
	}
	return 2 // not a currency: the cents amounts are stored with
}

// Symbol is what pages put before an amount of c: its symbol, or its code
// and a space where it has none in the table.
func (c Currency) Symbol() string {
	if info := currencies[c]; info.symbol != "" {
		return info.symbol
	}
	return string(c) + " "
}

// CheckCurrency validates a currency code and names field when it is bad.
func CheckCurrency(field string, c Currency) error {
	if c == "" {
		return Errorf(EINVALID, field, "%s is required: an ISO 4217 code such as GBP, EUR, USD or JPY", field)
	}
	if !c.Valid() {
		return Errorf(EINVALID, field, "%s %q is not an active ISO 4217 currency code (such as GBP, EUR, USD or JPY)", field, string(c))
	}
	return nil
}

// InMinorUnits reports whether amount is a whole number of c's stored
// units (whole yen for JPY, cents for USD): a sale of 12.5 JPY is not.
func (c Currency) InMinorUnits(amount float64) bool {
	scale := math.Pow10(c.StoredDecimals())
	v := amount * scale
	// The amount came from a decimal in JSON: within a part in 10^9 of a
	// whole number of units is that number, not float noise.
	return math.Abs(v-math.Round(v)) <= 1e-9*math.Max(1, math.Abs(v))
}

// AmountRule is the message for an amount that is not in c's units.
func (c Currency) AmountRule(field string, amount float64) string {
	switch d := c.StoredDecimals(); d {
	case 0:
		return field + " must be a whole number of " + string(c) + " (it has no minor unit), got " + strconv.FormatFloat(amount, 'f', -1, 64)
	default:
		return field + " must have at most " + strconv.Itoa(d) + " decimal places in " + string(c) + ", got " + strconv.FormatFloat(amount, 'f', -1, 64)
	}
}

// Format writes amount as pages show it: the currency's symbol, thousands
// separated by commas and its minor units ("£1,234.50", "¥12,000",
// "A$980.00"); a negative amount starts with a minus sign.
func (c Currency) Format(amount float64) string {
	d := c.StoredDecimals()
	s := strconv.FormatFloat(math.Abs(amount), 'f', d, 64)
	whole, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		whole, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if amount < 0 && strings.Trim(s, "0.") != "" {
		b.WriteString("−")
	}
	b.WriteString(c.Symbol())
	b.WriteString(GroupThousands(whole))
	b.WriteString(frac)
	return b.String()
}
