import DocketCore
import DocketYAML
import Foundation

/// What the case form pages do apart from HTTP: build the record form of a waiting step, read
/// a submitted one back and hand it to the library (`CaseActions.record`, the very call
/// `docket record` makes), and say what to show when the library refuses.
struct CaseForms: Sendable {
    let runner: Runner

    var actions: CaseActions { CaseActions(runner: runner) }

    /// The record form page's view.
    struct RecordView: Sendable {
        var title: String
        var caseID: String
        var step: String
        var prompt: String?
        var message: String?
        var busy = false
        var general: [String] = []
        var controls: [FormControl]
        var csrf: String
        /// The step takes files: the form is sent as multipart, its token in the action's query.
        var multipart = false
        var summary = ErrorSummary()
        var filesAgain: String?
    }

    /// The form for `step`, filled from `values` (nil: the schema's defaults).
    func recordView(_ id: String, step: String, values: FormValues?, errors: FieldErrors = FieldErrors(),
                    addRowTo: String? = nil, csrf: String) throws -> RecordView {
        let schema = try actions.recordSchema(id, step: step)
        let (_, state) = try runner.store.load(id)
        let workflow = try runner.workflow(of: id)
        let name = workflow.step(step)?.name ?? step
        let form = SchemaForm(schema)
        let controls = form.controls(values: values, errors: errors, addRowTo: addRowTo)
        var view = RecordView(title: "記録：\(name)", caseID: id, step: step, prompt: state.step(step).message,
                              general: errors.general, controls: controls, csrf: csrf, multipart: form.takesFiles)
        view.summary = ErrorSummary(controls: controls, after: errors.general.map { .init(href: "#record-form", text: $0) })
        return view
    }

    enum Outcome: Sendable {
        case recorded
        /// Show the form again (entries kept) with this status.
        case again(RecordView, status: Int)
    }

    /// Records the submitted form for `step`, or gives the form again: with one more row when an
    /// add-row button was pressed (nothing recorded), or with the library's problems at their
    /// fields. `files` are the board's own uploads for the step's path fields (see
    /// `SchemaForm.node(from:files:)`).
    func submitRecord(_ id: String, step: String, values: FormValues, files: [String: String] = [:],
                      by user: String, csrf: String) throws -> Outcome {
        if let add = values["add"] {
            return .again(try recordView(id, step: step, values: values, addRowTo: add, csrf: csrf), status: 200)
        }
        let schema = try actions.recordSchema(id, step: step)
        do {
            let (node, places) = try SchemaForm(schema).node(from: values, files: files)
            do {
                try actions.record(id, step: step, values: node, source: "form", by: user)
            } catch {
                throw Refusal(error).placed(places)
            }
            return .recorded
        } catch {
            let refusal = Refusal(error)
            var view = try recordView(id, step: step, values: values, errors: refusal.fieldErrors, csrf: csrf)
            view.message = refusal.message
            view.busy = refusal.busy
            return .again(view, status: refusal.status)
        }
    }
}
