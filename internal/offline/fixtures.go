package offline

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// FixtureAccountID is the account every offline render pretends to run in.
const FixtureAccountID = "123456789012"

// FixtureAMI is the image ID that the offline AMI lookup returns.
const FixtureAMI = "ami-0fixture0offline00"

type fixture struct {
	describes string
	answer    func(region string, args resource.PropertyMap) resource.PropertyMap
}

func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

// fixtures answer the invokes our programs make. Each says what it stands for,
// because a render must tell its reader which values were not real.
var fixtures = map[string]fixture{
	"aws:ec2/getAmi:getAmi": {
		describes: "AMI lookup answered with " + FixtureAMI,
		answer: func(string, resource.PropertyMap) resource.PropertyMap {
			return resource.PropertyMap{
				"id": str(FixtureAMI), "imageId": str(FixtureAMI),
				"name": str("al2023-ami-fixture-x86_64"), "architecture": str("x86_64"),
			}
		},
	},
	"aws:index/getAvailabilityZones:getAvailabilityZones": {
		describes: "availability zones answered with <region>a..d",
		answer: func(region string, _ resource.PropertyMap) resource.PropertyMap {
			var names, ids []resource.PropertyValue
			for i, s := range []string{"a", "b", "c", "d"} {
				names = append(names, str(region+s))
				ids = append(ids, str("use1-az"+string(rune('1'+i))))
			}
			return resource.PropertyMap{
				"id": str(region), "names": resource.NewArrayProperty(names),
				"zoneIds": resource.NewArrayProperty(ids), "state": str("available"),
			}
		},
	},
	"aws:index/getCallerIdentity:getCallerIdentity": {
		describes: "caller identity answered with account " + FixtureAccountID,
		answer: func(string, resource.PropertyMap) resource.PropertyMap {
			return resource.PropertyMap{
				"id": str(FixtureAccountID), "accountId": str(FixtureAccountID),
				"arn":    str("arn:aws:iam::" + FixtureAccountID + ":user/offline"),
				"userId": str("AIDAOFFLINE"),
			}
		},
	},
	"aws:index/getRegion:getRegion": {
		describes: "region answered from aws:region",
		answer: func(region string, _ resource.PropertyMap) resource.PropertyMap {
			return resource.PropertyMap{"id": str(region), "name": str(region), "region": str(region)}
		},
	},
	"aws:index/getPartition:getPartition": {
		describes: "partition answered with aws",
		answer: func(string, resource.PropertyMap) resource.PropertyMap {
			return resource.PropertyMap{"id": str("aws"), "partition": str("aws"), "dnsSuffix": str("amazonaws.com")}
		},
	},
	"aws:ecr/getAuthorizationToken:getAuthorizationToken": {
		describes: "ECR token answered with a secret placeholder",
		answer: func(region string, _ resource.PropertyMap) resource.PropertyMap {
			secret := func(s string) resource.PropertyValue { return resource.MakeSecret(str(s)) }
			return resource.PropertyMap{
				"id":                 str(region),
				"userName":           str("AWS"),
				"password":           secret("offline-password"),
				"authorizationToken": secret("offline-token"),
				"proxyEndpoint":      str("https://" + FixtureAccountID + ".dkr.ecr." + region + ".amazonaws.com"),
			}
		},
	},
}

// Invoke answers an invoke from the offline fixtures, for any stand-in of
// AWS that must answer the same data sources as offline renders do.
func Invoke(token, region string, args resource.PropertyMap) (resource.PropertyMap, error) {
	f, ok := fixtures[token]
	if !ok {
		return nil, fmt.Errorf("offline: no fixture answers the invoke %q; add one in internal/offline/fixtures.go", token)
	}
	return f.answer(region, args), nil
}
