package wire

// GoalCustomization is an item of GET and PATCH
// /api/v1/admin/websites/{websiteId}/goals/customizations: a goal's
// display-only metadata, null where unset (updatedAt null: never
// customized).
type GoalCustomization struct {
	GoalName    string  `json:"goalName"`
	DisplayName *string `json:"displayName"`
	Color       *string `json:"color"` // a hex colour of Colors, lowercase
	Description *string `json:"description"`
	UpdatedAt   *string `json:"updatedAt"`
}

// GoalColor is a colour of the palette that goal colours come from.
type GoalColor struct {
	Color  string `json:"color"` // #rrggbb, lowercase
	Label  string `json:"label"`
	Family string `json:"family"`
}

// GoalCustomizations is the envelope of GET and PATCH
// /api/v1/admin/websites/{websiteId}/goals/customizations: the goals, and
// the palette in the extra top-level member colors.
type GoalCustomizations struct {
	Status string              `json:"status"`
	Data   []GoalCustomization `json:"data"`
	Colors []GoalColor         `json:"colors"`
}
