"""Watchlist: the leaders and themes every article is counted for, shaped here without a shell.

Save a query as a new entity (`?query=` prefills the form, as Trends' "Save as entity" link
does), edit or retire an entity, revert to an earlier version. Each change is a new version
in the warehouse, and only the changed entity is counted again over the whole history.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, layout
from warehouse import QueryInvalid, WarehouseError

_TRENDS_PAGE = "app_pages/trends.py"
_DONE = "watchlist_done"  # (message, entity_id or None) of the last change, shown after the rerun
_SEEDED_QUERY = "watchlist_seeded_query"
_AUTHOR = "watchlist_author"
_NEW = {"id": "new_id", "name": "new_name", "kind": "new_kind", "aliases": "new_aliases", "exclude": "new_exclude"}
_QUERY_RULES = (
    'From a query: each word or `"phrase"` becomes an alias (a trailing `*` keeps word forms), '
    "each `NOT` or `-` word or phrase an exclusion, cut out where it stands. An entity counts an article "
    "holding **any** of its aliases, so `AND` and `OR` both become a list of aliases. `title:` and `NOT` "
    "before a group have no entity equivalent and are refused. Letter case follows the kind: leaders match "
    "exactly as typed, themes in any case."
)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _author() -> str | None:
    return str(st.session_state.get(_AUTHOR) or "").strip() or None


def _show_last_change(entities: list) -> None:
    done = st.session_state.pop(_DONE, None)
    if done is None:
        return
    message, entity_id = done
    st.success(message, icon=":material/check_circle:")
    if entity_id:
        # Beside the first two leaders, to compare the new line with the coverage already followed.
        leaders = [e.entity_id for e in entities if e.kind == "leader" and e.entity_id != entity_id][:2]
        st.page_link(
            _TRENDS_PAGE,
            label="See it on Trends",
            icon=":material/show_chart:",
            query_params={"entities": ",".join([entity_id, *leaders])},
        )


def _apply(label: str, write, *, entity_id: str | None) -> None:
    """Run a write with progress shown; on success remember what happened and draw the page again."""
    with st.status(label, expanded=True) as status:
        try:
            change = write()
        except WarehouseError as error:
            status.update(label="Not saved", state="error")
            st.error(str(error), icon=":material/error:")
            return
        counted = (
            "nothing to count again"
            if change.mode == "none"
            else f"{change.mention_rows:,} mentions counted in {change.seconds:.1f} s"
            + (" (every entity)" if change.mode == "full" else "")
        )
        status.update(label=f"Version {change.version}: {change.summary}; {counted}", state="complete")
    st.session_state[_DONE] = (f"Version {change.version}: {change.summary}. {counted.capitalize()}.", entity_id)
    st.rerun()


def _new_entity(path: str) -> None:
    st.subheader("Save a new entity")
    query = st.query_params.get("query", "")
    if query and st.session_state.get(_SEEDED_QUERY) != query:
        st.session_state[_SEEDED_QUERY] = query
        try:
            draft = data.entity_draft_from_query(query)
        except QueryInvalid as error:
            st.error(f"Cannot make an entity from {query!r}: {error}", icon=":material/error:")
        else:
            st.session_state[_NEW["id"]] = draft.entity_id
            st.session_state[_NEW["name"]] = draft.name
            st.session_state[_NEW["aliases"]] = "\n".join(draft.aliases)
            st.session_state[_NEW["exclude"]] = "\n".join(draft.exclude)
    st.caption(_QUERY_RULES)
    left, middle, right = st.columns([2, 2, 1])
    name = left.text_input("Name", key=_NEW["name"], placeholder="Alaska summit")
    entity_id = middle.text_input(
        "Id", key=_NEW["id"], placeholder="alaska_summit", help="lower-case letters, digits and _; in URLs and files"
    )
    kind = right.radio("Kind", ["theme", "leader"], key=_NEW["kind"], horizontal=True)
    left, right = st.columns(2)
    aliases = left.text_area("Aliases, one a line", key=_NEW["aliases"], placeholder="Alaska summit\nAnchorage")
    exclude = right.text_area("Exclusions, one a line", key=_NEW["exclude"], placeholder="Alaska Airlines")
    if st.button("Save entity", key="save_new", type="primary", icon=":material/add:"):
        _apply(
            f"Counting {name or entity_id} over every article…",
            lambda: data.save_entity(
                path,
                entity_id=entity_id,
                name=name,
                kind=kind,
                aliases=_lines(aliases),
                exclude=_lines(exclude),
                new=True,
                author=_author(),
            ),
            entity_id=entity_id.strip(),
        )


def _entities_table(entities: list) -> None:
    table = pd.DataFrame(
        {
            "entity_id": [e.entity_id for e in entities],
            "kind": [e.kind for e in entities],
            "name": [e.name for e in entities],
            "aliases": [", ".join(e.aliases) for e in entities],
            "exclude": [", ".join(e.exclude) for e in entities],
            "case_sensitive": [e.case_sensitive for e in entities],
        }
    )
    layout.show_table(
        table,
        {
            "entity_id": st.column_config.TextColumn("Id"),
            "kind": st.column_config.TextColumn("Kind"),
            "name": st.column_config.TextColumn("Name"),
            "aliases": st.column_config.TextColumn("Aliases"),
            "exclude": st.column_config.TextColumn("Exclusions"),
            "case_sensitive": st.column_config.CheckboxColumn("Exact case"),
        },
    )


def _edit_entity(path: str, entities: list) -> None:
    st.subheader("Edit or retire an entity")
    by_id = {e.entity_id: e for e in entities}
    entity_id = st.selectbox("Entity", list(by_id), format_func=lambda i: f"{by_id[i].name} ({i})", key="edit_pick")
    if entity_id is None:
        return
    entity = by_id[entity_id]
    # Widget keys carry the id, so picking another entity shows its values.
    left, middle, right = st.columns([2, 1, 1])
    name = left.text_input("Name", value=entity.name, key=f"edit_name_{entity_id}")
    kind = middle.radio(
        "Kind", ["leader", "theme"], index=0 if entity.kind == "leader" else 1, key=f"edit_kind_{entity_id}"
    )
    exact = right.checkbox("Exact case", value=entity.case_sensitive, key=f"edit_case_{entity_id}")
    left, right = st.columns(2)
    aliases = left.text_area("Aliases, one a line", value="\n".join(entity.aliases), key=f"edit_aliases_{entity_id}")
    exclude = right.text_area(
        "Exclusions, one a line", value="\n".join(entity.exclude), key=f"edit_exclude_{entity_id}"
    )
    save, retire = st.columns([1, 4])
    if save.button("Save changes", key="save_edit", icon=":material/save:"):
        _apply(
            f"Counting {name} again over every article…",
            lambda: data.save_entity(
                path,
                entity_id=entity_id,
                name=name,
                kind=kind,
                aliases=_lines(aliases),
                exclude=_lines(exclude),
                case_sensitive=exact,
                new=False,
                author=_author(),
            ),
            entity_id=entity_id,
        )
    if retire.button(f"Retire {entity.name}", key="retire", icon=":material/archive:"):
        _apply(
            f"Retiring {entity.name}…", lambda: data.retire_entity(path, entity_id, author=_author()), entity_id=None
        )


def _history(path: str, versions: list) -> None:
    st.subheader("History")
    table = pd.DataFrame(
        {
            "version": [v.version for v in versions],
            "created_at": [v.created_at for v in versions],
            "action": [v.action for v in versions],
            "summary": [v.summary for v in versions],
            "author": [v.author or "" for v in versions],
        }
    ).iloc[::-1]
    layout.show_table(
        table,
        {
            "version": st.column_config.NumberColumn("Version", format="%d"),
            "created_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
            "action": st.column_config.TextColumn("Change"),
            "summary": st.column_config.TextColumn("What"),
            "author": st.column_config.TextColumn("Who"),
        },
    )
    older = [v.version for v in versions[:-1]]
    if not older:
        return
    pick, button = st.columns([1, 3], vertical_alignment="bottom")
    version = pick.selectbox("Revert to version", older[::-1], key="revert_pick")
    if button.button(f"Revert to version {version}", key="revert", icon=":material/undo:"):
        _apply(
            f"Reverting to version {version}…",
            lambda: data.revert_watchlist(path, int(version), author=_author()),
            entity_id=None,
        )


def render() -> None:
    corpus = layout.open_corpus("Watchlist")
    if corpus is None:
        return
    try:
        entities = data.watchlist_entities(corpus.path, corpus.facts.watchlist_hash)
        versions = data.watchlist_history(corpus.path, corpus.facts.watchlist_hash)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    current = versions[-1].version if versions else "–"
    st.caption(f"Version {current}: {len(entities)} entities. Every change is a new version; any can be reverted to.")
    _show_last_change(entities)
    st.text_input("Your name, kept in the history (optional)", key=_AUTHOR, max_chars=80)
    _new_entity(corpus.path)
    st.subheader("Entities")
    _entities_table(entities)
    _edit_entity(corpus.path, entities)
    _history(corpus.path, versions)


render()
