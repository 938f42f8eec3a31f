package cost

// Prices below are AWS public list prices for us-east-1 (N. Virginia), Linux,
// shared tenancy, on-demand, in USD, taken as of 2025-06-01 from:
//
//   - https://aws.amazon.com/ec2/pricing/on-demand/ (instance hours)
//   - https://aws.amazon.com/elasticloadbalancing/pricing/ (ALB, NLB)
//   - https://aws.amazon.com/vpc/pricing/ (NAT gateway, public IPv4)
//   - https://aws.amazon.com/route53/pricing/ (hosted zones, queries)
//   - https://aws.amazon.com/sqs/pricing/ (requests)
//   - https://aws.amazon.com/cloudwatch/pricing/ (alarms)
//
// Types or services whose price we were not sure of are left out on purpose:
// the estimate reports them as unknown rather than guessing. Spot discounts
// are not prices at all but stated assumptions, because spot prices float
// hour by hour and per Availability Zone. When AWS changes a price, update the
// figure and the date in priceSource together.
const priceSource = "Estimate only: AWS public on-demand list prices for us-east-1 " +
	"(Linux, shared tenancy) as of 2025-06-01, kept in infra/cost/prices.go; " +
	"730 h a month; spot priced at an assumed per-family discount; " +
	"usage-based charges (LCUs, NAT data, queries, requests) at the stated assumptions; " +
	"free tiers, data transfer, EBS volumes and taxes are not included."

// Table is a price list together with the usage assumptions that turn prices
// into a monthly figure. The assumptions live next to the prices so that a
// reader of a Basis string can find every number it uses in one place.
type Table struct {
	// Source says where the prices come from and as of when; it is copied
	// into every render.Cost so that no figure is mistaken for a bill.
	Source string
	// Region is the AWS region whose prices these are.
	Region string
	// HoursPerMonth is the month length used for every hourly price.
	HoursPerMonth float64
	// OnDemandHourly is the Linux on-demand price per instance type.
	OnDemandHourly map[string]float64
	// SpotDiscount is the assumed fraction off the on-demand price that spot
	// capacity gets, per instance family ("c6i"). A family missing here makes
	// spot capacity of that family unknown instead of guessed.
	SpotDiscount map[string]float64

	// ALBHourly is the Application Load Balancer hour.
	ALBHourly float64
	// ALBLCUHourly is the price of one ALB LCU-hour.
	ALBLCUHourly float64
	// ALBAssumedLCUs is the average LCUs an ALB is assumed to consume.
	ALBAssumedLCUs float64
	// NLBHourly is the Network Load Balancer hour.
	NLBHourly float64
	// NLBNLCUHourly is the price of one NLCU-hour.
	NLBNLCUHourly float64
	// NLBAssumedNLCUs is the average NLCUs an NLB is assumed to consume.
	NLBAssumedNLCUs float64
	// LBAssumedZones is how many public IPv4 addresses an internet-facing
	// load balancer holds when its subnets cannot be counted from the inputs.
	LBAssumedZones int

	// PublicIPv4Hourly is the charge for one public IPv4 address, which AWS
	// bills whether it sits on an Elastic IP or on a load balancer node.
	PublicIPv4Hourly float64

	// NATHourly is the NAT gateway hour.
	NATHourly float64
	// NATPerGB is the NAT gateway data processing charge per GB.
	NATPerGB float64
	// NATAssumedGBPerMonth is the data each NAT gateway is assumed to process.
	NATAssumedGBPerMonth float64

	// Route53ZoneMonthly is one hosted zone for a month (first 25 zones).
	Route53ZoneMonthly float64
	// Route53QueriesPerMillion is the standard query price per million.
	Route53QueriesPerMillion float64
	// Route53AssumedMillionQueries is the monthly standard queries assumed per
	// non-alias record. Alias queries to AWS resources such as ALBs are free.
	Route53AssumedMillionQueries float64

	// SQSStandardPerMillion is the standard queue price per million requests.
	SQSStandardPerMillion float64
	// SQSFIFOPerMillion is the FIFO queue price per million requests.
	SQSFIFOPerMillion float64
	// SQSAssumedMillionRequests is the monthly requests assumed per queue:
	// a few long-polling consumers (one receive per 20 s each) plus the
	// send/receive/delete of the jobs themselves.
	SQSAssumedMillionRequests float64

	// CloudWatchAlarmMonthly is one standard-resolution metric alarm a month.
	CloudWatchAlarmMonthly float64
}

// DefaultTable returns the table kept in the repository. It returns a fresh
// copy each time so that a caller adjusting an assumption cannot change the
// figures another caller sees.
func DefaultTable() Table {
	return Table{
		Source:        priceSource,
		Region:        "us-east-1",
		HoursPerMonth: 730,
		OnDemandHourly: map[string]float64{
			"t3.small":    0.0208,
			"t3.medium":   0.0416,
			"t3.large":    0.0832,
			"m6i.large":   0.096,
			"m6i.xlarge":  0.192,
			"m7i.large":   0.1008,
			"m7i.xlarge":  0.2016,
			"c6i.large":   0.085,
			"c6i.xlarge":  0.17,
			"c6i.2xlarge": 0.34,
			"c5.large":    0.085,
			"c5.xlarge":   0.17,
			"c5.2xlarge":  0.34,
			"c6a.large":   0.0765,
			"c6a.xlarge":  0.153,
			"c6a.2xlarge": 0.306,
			"c7i.large":   0.08925,
			"c7i.xlarge":  0.1785,
			"c7i.2xlarge": 0.357,
			"c5a.large":   0.077,
			"c5a.xlarge":  0.154,
			"c5a.2xlarge": 0.308,
		},
		// Assumed long-run averages, on the conservative side of what the
		// EC2 Spot Instance Advisor showed for us-east-1 in mid-2025; newer
		// families are in higher demand, so they get a smaller discount.
		SpotDiscount: map[string]float64{
			"t3":  0.60,
			"m6i": 0.60,
			"m7i": 0.55,
			"c5":  0.60,
			"c5a": 0.60,
			"c6i": 0.60,
			"c6a": 0.60,
			"c7i": 0.55,
		},
		ALBHourly:                    0.0225,
		ALBLCUHourly:                 0.008,
		ALBAssumedLCUs:               1,
		NLBHourly:                    0.0225,
		NLBNLCUHourly:                0.006,
		NLBAssumedNLCUs:              1,
		LBAssumedZones:               2,
		PublicIPv4Hourly:             0.005,
		NATHourly:                    0.045,
		NATPerGB:                     0.045,
		NATAssumedGBPerMonth:         100,
		Route53ZoneMonthly:           0.50,
		Route53QueriesPerMillion:     0.40,
		Route53AssumedMillionQueries: 1,
		SQSStandardPerMillion:        0.40,
		SQSFIFOPerMillion:            0.50,
		SQSAssumedMillionRequests:    5,
		CloudWatchAlarmMonthly:       0.10,
	}
}
