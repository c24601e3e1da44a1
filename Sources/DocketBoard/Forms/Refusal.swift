import DocketCore
import DocketMeetings
import DocketWorkspace
import DocketYAML
import Hummingbird

/// A library error as a form page shows it: the problems of the form (to place at their
/// fields), or one message; and the HTTP status of the error's kind.
struct Refusal: Error {
    var status: Int
    var message: String?
    /// The library's problems as reported: the English message (which names the field by its
    /// key, so a problem is placed at its field) with the Japanese one beside it.
    var problems: [Diagnostic] = []
    /// The problems as the board shows them: in Japanese where the library words them so.
    var diagnostics: [Diagnostic] {
        get { problems.map(\.shown) }
        set { problems = newValue }
    }
    /// The case or meeting is locked by another command: the page offers to try again.
    var busy = false
    /// Where the form's nodes came from, to place `diagnostics` at fields.
    var places: FieldPlaces?

    init(status: Int, message: String?) {
        self.status = status
        self.message = message
    }

    init(_ error: any Error) {
        switch error {
        case let e as DiagnosticsError:
            self.init(status: e.kind.httpStatus, message: nil)
            diagnostics = e.diagnostics
        case let e as UploadError:
            self.init(status: e.status, message: e.description)
        case let e as any DocketFailure:
            self.init(status: e.kind.httpStatus, message: PageText.withoutServerPaths(e.japanese ?? e.description))
            busy = e.kind == .busy
        case let e as Refusal:
            self = e
        default:
            // The board's own words for the rest; an unknown error shows no internals.
            let board = BoardError(error)
            self.init(status: Int(board.status.code), message: board.message)
        }
    }

    /// The problems by field (those of no field, and all of them without `places`, under "").
    var fieldErrors: FieldErrors {
        if let places { return places.place(problems) }
        var e = FieldErrors()
        for d in problems { e.add(d.shown.message, at: "") }
        return e
    }

    /// Every problem as one line each, for a page without fields to place them at.
    var lines: [String] {
        (message.map { [$0] } ?? []) + diagnostics.map(\.message)
    }
}

extension Diagnostic {
    /// The problem as a page shows it: its Japanese text where there is one.
    var shown: Diagnostic {
        guard let japanese else {
            return Diagnostic(file: file, mark: mark, message: PageText.withoutServerPaths(message), japanese: nil)
        }
        return Diagnostic(file: file, mark: mark, message: japanese, japanese: japanese)
    }
}

extension Pages {
    /// A page from a view value (a struct: its stored properties are the template's names,
    /// nil ones left out), titled by its `title` (else `fallbackTitle`).
    func render(_ template: String, view: Any, context: BoardContext, status: HTTPResponse.Status,
                fallbackTitle: String = "Docket") throws -> Response {
        var values: [String: Any] = [:]
        for child in Mirror(reflecting: view).children {
            guard let label = child.label else { continue }
            let inner = Mirror(reflecting: child.value)
            if inner.displayStyle == .optional {
                if let value = inner.children.first?.value { values[label] = value }
            } else {
                values[label] = child.value
            }
        }
        return try render(template, title: values["title"] as? String ?? fallbackTitle, view: values, context: context, status: status)
    }
}
