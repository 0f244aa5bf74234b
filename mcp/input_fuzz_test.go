package mcp

import (
	"encoding/json"
	"testing"
)

// FuzzUpdateInputs feeds arbitrary tool arguments to the inputs that
// record which members were sent (the updates where null clears a member):
// decoding and turning them into the app's inputs never panics, and a
// member is sent exactly when the arguments hold it.
func FuzzUpdateInputs(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"websiteId":"0123456789abcdef01234567","name":null,"kpi":"signup","excludedPaths":["/admin"],"isCookieless":true}`,
		`{"websiteId":"x","allowedHostnames":null,"excludedIps":[]}`,
		`{"websiteId":"x","alertId":"y","template":{"subject":null},"trigger":{"goalName":"signup"}}`,
		`{"websiteId":"x","goalName":"signup","displayName":null,"color":"#ef4444"}`,
		`{"websiteId":"x","funnelId":"y","steps":[{"name":"a","type":"pageview","url":"/"}],"windowDays":7,"isActive":false}`,
		`[1,2]`, `null`, `{"name":{"nested":true}}`, `{"template":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var members map[string]json.RawMessage
		isObject := json.Unmarshal(b, &members) == nil && members != nil

		var w WebsiteUpdateInput
		if json.Unmarshal(b, &w) == nil {
			if _, err := w.update(); err != nil && len(w.AllowedHostnames)+len(w.ExcludedHostnames)+len(w.ExcludedIPs)+len(w.ExcludedPaths)+len(w.ExcludedCountries) == 0 {
				t.Fatalf("update of %s: %v", b, err)
			}
			if isObject {
				for k := range members {
					if !w.sent[k] {
						t.Fatalf("%s: member %s not recorded as sent", b, k)
					}
				}
				if len(w.sent) != len(members) {
					t.Fatalf("%s: sent %v, members %v", b, w.sent, members)
				}
			}
		}
		var a AlertUpdateInput
		if json.Unmarshal(b, &a) == nil {
			a.input()
		}
		var g GoalCustomizeInput
		if json.Unmarshal(b, &g) == nil {
			g.sent.settable("displayName", g.DisplayName)
		}
		var fu FunnelUpdateInput
		if json.Unmarshal(b, &fu) == nil {
			fu.input()
		}
	})
}
