package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// CSV writes one line per cell: the path id doubles as the POA&M asset
// identifier, and each line names its check, controls, status, reason and
// evidence.
func CSV(w io.Writer, m *matrix.Matrix) error {
	cw := csv.NewWriter(w)
	controls := map[string]string{}
	for _, c := range m.Checks {
		controls[c.ID] = strings.Join(c.Controls, " ")
	}
	if err := cw.Write([]string{"path_id", "source_namespace", "source_kind", "source_name", "source_mesh",
		"destination_namespace", "destination_service", "port", "port_name", "app_protocol",
		"check", "controls", "status", "reason", "evidence", "waiver", "row_status"}); err != nil {
		return err
	}
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if err := cw.Write([]string{r.PathID, r.Source.Namespace, r.Source.Kind, r.Source.Name, r.Source.Mesh,
				r.Destination.Namespace, r.Destination.Service, fmt.Sprint(r.Destination.Port), r.Destination.PortName, r.Destination.AppProtocol,
				c.Check, controls[c.Check], string(c.Status), csvSafe(c.Reason), strings.Join(c.Evidence, " "), c.Waiver, string(r.Status)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
