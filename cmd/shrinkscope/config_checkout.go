package main

import (
	"fmt"
	"time"
)

// checkoutFlags are the checkout hand-off's settings.
var checkoutFlags = []string{"checkout-visits-every"}

// checkoutConfig holds them.
type checkoutConfig struct {
	// CheckoutVisitsEvery (SHRINKSCOPE_CHECKOUT_VISITS_EVERY) is how often a replica closes checkout visits (walk-outs).
	CheckoutVisitsEvery time.Duration
}

func checkoutSettings(c *Config) []setting {
	return []setting{
		{"checkout-visits-every", "SHRINKSCOPE_CHECKOUT_VISITS_EVERY", "1m", "how often a replica writes walked_out for checkout tracks past their visit window that left through an entrance (one replica at a time)", func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a positive duration such as 1m, got %q", v)
			}
			c.CheckoutVisitsEvery = d
			return nil
		}},
	}
}
