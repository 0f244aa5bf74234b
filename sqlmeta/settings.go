// Package sqlmeta holds what the SQL metadata stores (SQLite and
// PostgreSQL) share: how they keep a website's settings.
package sqlmeta

import (
	"encoding/json"

	"github.com/openfast/openfast"
)

// storedSettings is the JSON document in which metadata stores keep a
// website's settings (one column, so that adding a setting needs no
// schema change).
type storedSettings struct {
	KPI                      *string  `json:"kpi,omitempty"`
	KPIColorScheme           *string  `json:"kpiColorScheme,omitempty"`
	RevenueMetric            *string  `json:"revenueMetric,omitempty"`
	SendWeeklyReports        bool     `json:"sendWeeklyReports,omitempty"`
	SendViralTrafficAlerts   bool     `json:"sendViralTrafficAlerts,omitempty"`
	IsPublicDashboardEnabled bool     `json:"isPublicDashboardEnabled,omitempty"`
	IsPublicDataEnabled      bool     `json:"isPublicDataEnabled,omitempty"`
	IsCookieless             bool     `json:"isCookieless,omitempty"`
	IsAttackModeEnabled      bool     `json:"isAttackModeEnabled,omitempty"`
	IncludeRenewalRevenue    bool     `json:"includeRenewalRevenue,omitempty"`
	IsAllHostnamesAllowed    bool     `json:"isAllHostnamesAllowed,omitempty"`
	AllowedHostnames         []string `json:"allowedHostnames,omitempty"`
	ExcludedIPs              []string `json:"excludedIps,omitempty"`
	ExcludedPaths            []string `json:"excludedPaths,omitempty"`
	ExcludedCountries        []string `json:"excludedCountries,omitempty"`
	ExcludedHostnames        []string `json:"excludedHostnames,omitempty"`
	RetentionDays            *int     `json:"retentionDays,omitempty"`
}

// EncodeSettings returns the settings as the JSON document metadata stores
// keep.
func EncodeSettings(s openfast.WebsiteSettings) (string, error) {
	b, err := json.Marshal(storedSettings(s))
	return string(b), err
}

// DecodeSettings reads a document written by EncodeSettings.
func DecodeSettings(doc string) (openfast.WebsiteSettings, error) {
	var v storedSettings
	err := json.Unmarshal([]byte(doc), &v)
	return openfast.WebsiteSettings(v), err
}
