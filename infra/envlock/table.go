package envlock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table is the env lock table in DynamoDB.
//
// The lock lives in a DynamoDB table beside the env (partition key "env",
// a string), so every operator's laptop and every CI runner contends for the
// same item, and a conditional write decides who gets it.
type Table interface {
	// AcquireLock takes env's lock (l.Env) in table for l.Holder. It
	// succeeds when there is no lock or the one there expired before now;
	// otherwise it returns an error matching ErrLocked that names the
	// holder.
	AcquireLock(ctx context.Context, table string, l Lock, now time.Time) error

	// ReleaseLock deletes env's lock if holder still holds it. A lock
	// someone else holds now is left alone and reported with an error
	// matching ErrLockLost; no lock at all is not an error.
	ReleaseLock(ctx context.Context, table, env, holder string) error

	// BreakLock deletes env's lock whoever holds it and returns the lock it
	// removed, or nil when there was none.
	BreakLock(ctx context.Context, table, env string) (*Lock, error)

	// ReadLock returns env's lock, or nil when there is none. An expired
	// lock is returned as is; compare Expires with the time.
	ReadLock(ctx context.Context, table, env string) (*Lock, error)
}

// dynamoTable implements Table with the aws-sdk-go-v2 DynamoDB client.
type dynamoTable struct{ ddb *dynamodb.Client }

// NewTable is the lock table client on cfg; a baseEndpoint sends its
// requests to that URL instead of the regional endpoint (the rehearsal's
// stand-in).
func NewTable(cfg aws.Config, baseEndpoint string) Table {
	return dynamoTable{ddb: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if baseEndpoint != "" {
			o.BaseEndpoint = aws.String(baseEndpoint)
		}
	})}
}

// Lock is one env's lock as stored in the lock table.
type Lock struct {
	// Env is the partition key: one lock per env.
	Env string
	// Holder says what holds the lock and who ran it ("swap prod by
	// alice"). ReleaseLock matches on it alone, so it must also tell this
	// acquisition apart from any other, e.g. by ending in a random token;
	// two runs with the same Holder could release each other's lock.
	Holder string
	// Command is the command line that took the lock, for the message a
	// second operator sees.
	Command string
	// Host and PID say where the holder runs, so whoever finds the lock
	// can check whether that process is still alive before breaking it.
	Host string
	PID  int
	// Start is when the lock was taken; AcquireLock uses now when it is
	// zero.
	Start time.Time
	// Expires is when the lock stops counting as held: a holder that died
	// without releasing it blocks the env until then. Stored with
	// one-second resolution.
	Expires time.Time
}

// String describes the lock for messages: holder, command, host, pid,
// start and expiry.
func (l Lock) String() string {
	expires := "never"
	if !l.Expires.IsZero() {
		expires = l.Expires.UTC().Format(time.RFC3339)
	}
	start := "an unknown time"
	if !l.Start.IsZero() {
		start = l.Start.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%q (command %q, pid %d on %s, since %s, expires %s)",
		l.Holder, l.Command, l.PID, l.Host, start, expires)
}

// ErrLockLost marks a ReleaseLock that found the lock held by someone else:
// it expired or was broken while its holder still worked, and another run
// took it. The error names the new holder.
var ErrLockLost = errors.New("env lock was taken over")

// ErrNotFound marks a call on a lock table that does not exist.
var ErrNotFound = errors.New("not found")

// Attribute names of a lock item. The key "env" is the table's partition
// key; expires is a number of Unix seconds, the format DynamoDB's TTL
// expects, so the table may also let DynamoDB delete long-dead locks.
const (
	lockAttrEnv     = "env"
	lockAttrHolder  = "holder"
	lockAttrCommand = "command"
	lockAttrHost    = "host"
	lockAttrPID     = "pid"
	lockAttrStart   = "start"
	lockAttrExpires = "expires"
)

// Condition expressions. Attribute names go through placeholders because
// DynamoDB rejects its reserved words (several hundred, and the list grows)
// as bare names in expressions.
const (
	// acquireCondition lets a put through when there is no lock or the one
	// there expired. An item without expires fails the comparison, so a
	// malformed lock never counts as expired: it has to be broken.
	acquireCondition = "attribute_not_exists(#env) OR #expires < :now"
	// releaseCondition deletes the lock only while the caller holds it.
	releaseCondition = "#holder = :holder"
)

// acquireAttempts bounds how often AcquireLock retries a put that failed
// because of a lock released before it could be read back.
const acquireAttempts = 3

// AcquireLock implements Table with a conditional PutItem.
func (c dynamoTable) AcquireLock(ctx context.Context, table string, l Lock, now time.Time) error {
	if table == "" || l.Env == "" || l.Holder == "" {
		return fmt.Errorf("lock env %q in table %q for %q: table, env and holder are required", l.Env, table, l.Holder)
	}
	if l.Start.IsZero() {
		l.Start = now
	}
	if !l.Expires.After(now) {
		return fmt.Errorf("lock env %s in table %s for %q: expiry %s is not after now (%s)",
			l.Env, table, l.Holder, l.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	item := lockItem(l)
	for attempt := 1; ; attempt++ {
		_, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:           aws.String(table),
			Item:                item,
			ConditionExpression: aws.String(acquireCondition),
			ExpressionAttributeNames: map[string]string{
				"#env":     lockAttrEnv,
				"#expires": lockAttrExpires,
			},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":now": unixValue(now),
			},
			// The refusal carries the lock that won, saving a read that
			// could race with its release.
			ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return nil
		}
		var ccf *ddbtypes.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return lockCallError("lock", table, l.Env, l.Holder, err)
		}
		var held *Lock
		if ccf.Item != nil {
			held = lockFromItem(ccf.Item)
		} else {
			// An endpoint that ignores ReturnValuesOnConditionCheckFailure
			// still answers a consistent read.
			held, err = c.ReadLock(ctx, table, l.Env)
			if err != nil {
				return fmt.Errorf("lock env %s in table %s for %q: the lock is held, and reading its holder failed: %w", l.Env, table, l.Holder, err)
			}
		}
		if held != nil && sameLock(*held, l) {
			// Our own put succeeded but its answer was lost, and the SDK's
			// retry then found our lock: we hold it.
			return nil
		}
		if held == nil && attempt < acquireAttempts {
			continue // released between the put and the read: try again
		}
		if held == nil {
			return fmt.Errorf("%w: env %s in table %s: the lock was released and retaken %d times while %q tried to take it; try again",
				ErrLocked, l.Env, table, acquireAttempts, l.Holder)
		}
		// What to do about it (wait, or break a dead holder's lock) is the
		// caller's to say: it knows its own flags.
		return fmt.Errorf("%w: env %s is held by %s in lock table %s (refused %q)",
			ErrLocked, l.Env, held, table, l.Holder)
	}
}

// ReleaseLock implements Table with a DeleteItem conditional on the holder.
// A lock that is already gone counts as released, so a delete the SDK
// retries after losing the first answer does not report a false loss.
func (c dynamoTable) ReleaseLock(ctx context.Context, table, env, holder string) error {
	if holder == "" {
		// An empty holder would match only a malformed lock; refusing it
		// catches a caller that lost track of what it acquired.
		return fmt.Errorf("unlock env %s in table %s: holder is required", env, table)
	}
	_, err := c.ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           aws.String(table),
		Key:                                 lockKey(env),
		ConditionExpression:                 aws.String(releaseCondition),
		ExpressionAttributeNames:            map[string]string{"#holder": lockAttrHolder},
		ExpressionAttributeValues:           map[string]ddbtypes.AttributeValue{":holder": &ddbtypes.AttributeValueMemberS{Value: holder}},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil
	}
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return lockCallError("unlock", table, env, holder, err)
	}
	if ccf.Item == nil {
		// Either no lock at all, or an endpoint that did not return the
		// item: only a consistent read tells.
		held, err := c.ReadLock(ctx, table, env)
		if err != nil {
			return fmt.Errorf("unlock env %s in table %s for %q: the lock is not ours, and reading its holder failed: %w", env, table, holder, err)
		}
		if held == nil {
			return nil
		}
		return lockLostError(table, env, holder, held)
	}
	return lockLostError(table, env, holder, lockFromItem(ccf.Item))
}

func lockLostError(table, env, holder string, held *Lock) error {
	return fmt.Errorf("%w: unlock env %s in table %s: %q no longer holds it, %s does; left it alone",
		ErrLockLost, env, table, holder, held)
}

// BreakLock implements Table with an unconditional DeleteItem that returns
// the item it removed, so the message names exactly the lock broken even if
// it changed hands just before.
func (c dynamoTable) BreakLock(ctx context.Context, table, env string) (*Lock, error) {
	out, err := c.ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:    aws.String(table),
		Key:          lockKey(env),
		ReturnValues: ddbtypes.ReturnValueAllOld,
	})
	if err != nil {
		return nil, lockCallError("break lock of", table, env, "", err)
	}
	if len(out.Attributes) == 0 {
		return nil, nil
	}
	return lockFromItem(out.Attributes), nil
}

// ReadLock implements Table with a strongly consistent GetItem: an
// eventually consistent read could miss a lock taken a moment ago.
func (c dynamoTable) ReadLock(ctx context.Context, table, env string) (*Lock, error) {
	out, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            lockKey(env),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, lockCallError("read lock of", table, env, "", err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return lockFromItem(out.Item), nil
}

// lockCallError names the table, env and holder of a failed call and marks
// a missing table with ErrNotFound, so the workflow can tell "the base
// stack has not created the lock table yet" from a failed call.
func lockCallError(what, table, env, holder string, err error) error {
	who := ""
	if holder != "" {
		who = fmt.Sprintf(" for %q", holder)
	}
	var nf *ddbtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("%s env %s%s: lock table %s: %w: %w", what, env, who, table, ErrNotFound, err)
	}
	return fmt.Errorf("%s env %s%s in lock table %s: %w", what, env, who, table, err)
}

func lockKey(env string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{lockAttrEnv: &ddbtypes.AttributeValueMemberS{Value: env}}
}

func unixValue(t time.Time) *ddbtypes.AttributeValueMemberN {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}
}

func lockItem(l Lock) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		lockAttrEnv:     &ddbtypes.AttributeValueMemberS{Value: l.Env},
		lockAttrHolder:  &ddbtypes.AttributeValueMemberS{Value: l.Holder},
		lockAttrCommand: &ddbtypes.AttributeValueMemberS{Value: l.Command},
		lockAttrHost:    &ddbtypes.AttributeValueMemberS{Value: l.Host},
		lockAttrPID:     &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(l.PID)},
		lockAttrStart:   unixValue(l.Start),
		lockAttrExpires: unixValue(l.Expires),
	}
}

// lockFromItem reads a lock item leniently: the item may have been written
// by hand or by an older infra, and whoever finds it still needs to see
// what is there in order to decide whether to break it. Missing or
// malformed attributes are left zero.
func lockFromItem(item map[string]ddbtypes.AttributeValue) *Lock {
	str := func(name string) string {
		if v, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	num := func(name string) string {
		if v, ok := item[name].(*ddbtypes.AttributeValueMemberN); ok {
			return v.Value
		}
		return ""
	}
	unix := func(name string) time.Time {
		if n, err := strconv.ParseInt(num(name), 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
		return time.Time{}
	}
	pid, _ := strconv.Atoi(num(lockAttrPID))
	return &Lock{
		Env:     str(lockAttrEnv),
		Holder:  str(lockAttrHolder),
		Command: str(lockAttrCommand),
		Host:    str(lockAttrHost),
		PID:     pid,
		Start:   unix(lockAttrStart),
		Expires: unix(lockAttrExpires),
	}
}

// sameLock says whether stored is the item l would write, at the stored
// one-second resolution.
func sameLock(stored, l Lock) bool {
	return stored.Env == l.Env && stored.Holder == l.Holder && stored.Command == l.Command &&
		stored.Host == l.Host && stored.PID == l.PID &&
		stored.Start.Unix() == l.Start.Unix() && stored.Expires.Unix() == l.Expires.Unix()
}
