/// The error summary at the top of a refused form: every problem in one list, each a link to
/// its field (GOV.UK's pattern, which screen readers announce on arrival: `role="alert"`).
struct ErrorSummary: Sendable {
    struct Item: Sendable {
        var href: String
        var text: String
    }

    var items: [Item] = []
    /// Stored, not computed: templates read properties by reflection.
    var any = false
    var count = 0

    init(_ items: [Item] = []) {
        self.items = items
        any = !items.isEmpty
        count = items.count
    }

    /// The problems of `controls` (rows and their fields included), then `more`, in page order;
    /// each named by its field's label unless the message names it already.
    init(controls: [FormControl], before: [Item] = [], after: [Item] = []) {
        var items = before
        func walk(_ controls: [FormControl]) {
            for c in controls {
                for e in c.errors { items.append(Item(href: "#\(c.id)", text: c.label.isEmpty || e.hasPrefix("「\(c.label)」") ? e : "\(c.label)：\(e)")) }
                for row in c.rows { walk(row.controls) }
            }
        }
        walk(controls)
        self.init(items + after)
    }
}
