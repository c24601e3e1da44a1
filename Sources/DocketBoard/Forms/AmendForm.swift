import DocketCore
import Foundation

/// The amend page (入力の訂正): the case's inputs as the new-case form shows them, filled with
/// what the case holds now, and the reason the journal keeps. Files sent under a folder input
/// are added to the files it holds (a file of the same name is replaced).
struct AmendView: Sendable {
    var title: String
    var caseID: String
    var message: String?
    var busy = false
    var general: [String] = []
    var controls: [FormControl]
    /// The files each folder input holds now, by the input's label.
    var folders: [FolderFiles]
    var reason: String
    var reasonErrors: [String] = []
    var hasReasonErrors = false
    var csrf: String
    var maxFile: String
    var maxRequest: String
    var summary = ErrorSummary()
    var filesAgain: String?

    struct FolderFiles: Sendable {
        var label: String
        var files: String
    }

    mutating func summarize() {
        summary = ErrorSummary(controls: controls,
                               after: reasonErrors.map { .init(href: "#f-amend-reason", text: "訂正の理由：\($0)") }
                                   + general.map { .init(href: "#amend-form", text: $0) })
    }
}

extension SchemaForm {
    /// A case's input values as the form's fields (what a person would type to give them);
    /// folder and file inputs are left out (the form asks for files, never a path).
    func formValues(of inputs: [String: Value]) -> FormValues {
        var values = FormValues()
        for field in schema.fields {
            guard let value = inputs[field.name] else { continue }
            switch field.type {
            case .folder, .file:
                continue
            case .list(of: .object?):
                guard case .list(let rows) = value else { continue }
                for (i, row) in rows.enumerated() {
                    guard case .map(let m) = row else { continue }
                    for (k, v) in m { values.append("\(field.name)[\(i)].\(k)", Self.text(of: v, lines: false)) }
                }
            case .list, .map:
                values.append(field.name, Self.text(of: value, lines: true))
            default:
                values.append(field.name, Self.text(of: value, lines: false))
            }
        }
        return values
    }
}
