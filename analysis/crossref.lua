--[[
crossref.lua: Quarto-book cross-references for the offline renderer (pandoc + Typst).

Numbering, as in a Quarto book: chapters 1, 2, ...; after a level-1 heading with class
`book-appendices`, appendices A, B, ...; sections 2.1, 2.1.1; figures and tables per chapter
("Figure 2.1", "Table A.1"). Unnumbered chapters, their sections and level-1 headings with class
`book-part` get no number; a figure or table outside a numbered chapter gets a plain running
number ("Figure 1"). Numbers are written into the headings and captions, so every output format
shows the same numbers without `--number-sections`.

`@fig-x`, `@tbl-x`, `@sec-x` (also `[-@fig-x]`, number only) become linked text ("Figure 2.1",
"Table 2.1", "Chapter 2", "Appendix A", "Section 2.1"). Other citations are left for citeproc,
so run this filter before `--citeproc`. An unknown or duplicate label is an error.

A Div with id `list-of-figures` (or `list-of-tables`) is filled with a linked list of every
numbered figure (table) and the title of its caption: the book's lists of figures and tables.
]]

local NAMES = { fig = "Figure", tbl = "Table" }
local NBSP = "\u{00A0}"
local CROSSREF_KINDS = { fig = true, tbl = true, sec = true, eq = true, lst = true }
local labels = {}
local floats = { fig = pandoc.List(), tbl = pandoc.List() }
local st = { chapter = nil, appendix = false, n_chapters = 0, n_appendices = 0,
             sections = {}, counts = {}, loose = { fig = 0, tbl = 0 } }

local function kind_of(id)
  return id:match("^(%a+)%-")
end

-- A label's reference text is `name .. NBSP .. number` ("Figure 2.1"), or the heading's text.
local function add_label(id, name, number)
  if labels[id] then
    error("crossref.lua: the id #" .. id .. " is used twice: give each figure, table and "
      .. "heading an id of its own.")
  end
  labels[id] = { name = name, number = number }
end

local function label_text(label)
  if label.name == nil then return label.number end
  return label.name .. NBSP .. label.number
end

local function start_chapter(h)
  st.counts = { fig = 0, tbl = 0 }
  if h.classes:includes("book-appendices") then st.appendix = true end
  if h.classes:includes("unnumbered") or h.classes:includes("book-part") then
    st.chapter = nil
    return nil
  end
  if st.appendix then
    st.n_appendices = st.n_appendices + 1
    st.chapter = string.char(64 + st.n_appendices)
  else
    st.n_chapters = st.n_chapters + 1
    st.chapter = tostring(st.n_chapters)
  end
  st.sections = { st.chapter }
  return st.chapter, st.appendix and "Appendix" or "Chapter"
end

local function start_section(h)
  if st.chapter == nil or h.classes:includes("unnumbered") then return nil end
  st.sections[h.level] = (st.sections[h.level] or 0) + 1
  for level = #st.sections, h.level + 1, -1 do st.sections[level] = nil end
  for level = 2, h.level - 1 do st.sections[level] = st.sections[level] or 0 end
  local number = table.concat(st.sections, ".", 1, h.level)
  return number, "Section"
end

local function number_header(h)
  local number, name
  if h.level == 1 then number, name = start_chapter(h) else number, name = start_section(h) end
  if number then
    h.content:insert(1, pandoc.Space())
    h.content:insert(1, pandoc.Span({ pandoc.Str(number) }, { class = "header-section-number" }))
  end
  if kind_of(h.identifier) == "sec" then
    add_label(h.identifier, name, number or pandoc.utils.stringify(h))
  end
  if not h.classes:includes("unnumbered") then h.classes:insert("unnumbered") end
  return h
end

local function number_float(el, kind)
  if kind_of(el.identifier) ~= kind then return nil end
  local number
  if st.chapter then
    st.counts[kind] = st.counts[kind] + 1
    number = st.chapter .. "." .. st.counts[kind]
  else
    st.loose[kind] = st.loose[kind] + 1
    number = tostring(st.loose[kind])
  end
  add_label(el.identifier, NAMES[kind], number)
  if #el.caption.long == 0 then el.caption.long = { pandoc.Plain({}) } end
  floats[kind]:insert({ id = el.identifier, number = number,
                        text = pandoc.utils.stringify(el.caption.long) })
  local first = el.caption.long[1]
  local prefix = pandoc.Str(NAMES[kind] .. NBSP .. number .. ":")
  first.content = pandoc.List({ prefix, pandoc.Space() }) .. first.content
  return el
end

local unresolved = pandoc.List()

-- The list of figures or tables: one linked entry per float, its caption up to the first colon
-- or full stop (the caption's title), at most LIST_TEXT characters.
local LIST_TEXT = 110

local function caption_title(text)
  local title = text:match("^(.-)[:.]%s") or text
  if #title > LIST_TEXT then title = title:sub(1, LIST_TEXT):gsub("%s+%S*$", "") .. "..." end
  return title
end

local function float_list(kind)
  local items = pandoc.List()
  for _, f in ipairs(floats[kind]) do
    items:insert({ pandoc.Plain({
      pandoc.Link({ pandoc.Str(NAMES[kind] .. NBSP .. f.number) }, "#" .. f.id),
      pandoc.Str(":"), pandoc.Space(), pandoc.Str(caption_title(f.text)),
    }) })
  end
  if #items == 0 then return pandoc.Para({ pandoc.Str("None.") }) end
  return pandoc.BulletList(items)
end

-- A Div with id `list-of-figures` or `list-of-tables` receives the list.
local function fill_list(div)
  if div.identifier == "list-of-figures" then div.content = { float_list("fig") }
  elseif div.identifier == "list-of-tables" then div.content = { float_list("tbl") } end
  return div
end

local function crossref_inlines(c)
  local label = labels[c.id]
  if not label then
    unresolved:insert("@" .. c.id)
    return pandoc.List()
  end
  local text = c.mode == "SuppressAuthor" and label.number or label_text(label)
  local out = pandoc.List(c.prefix)
  if #out > 0 then out:insert(pandoc.Space()) end
  out:insert(pandoc.Link({ pandoc.Str(text) }, "#" .. c.id))
  return out .. c.suffix
end

local function resolve_cite(cite)
  local n_crossref = 0
  for _, c in ipairs(cite.citations) do
    if CROSSREF_KINDS[kind_of(c.id) or ""] then n_crossref = n_crossref + 1 end
  end
  if n_crossref == 0 then return nil end
  if n_crossref < #cite.citations then
    error("crossref.lua: " .. pandoc.utils.stringify(cite.content) .. " mixes cross-references "
      .. "and citations: write them as separate references.")
  end
  local out = pandoc.List()
  for i, c in ipairs(cite.citations) do
    if i > 1 then out:extend({ pandoc.Str(","), pandoc.Space() }) end
    out:extend(crossref_inlines(c))
  end
  return out
end

function Pandoc(doc)
  doc = doc:walk({
    traverse = "topdown",
    Header = number_header,
    Figure = function(el) return number_float(el, "fig") end,
    Table = function(el) return number_float(el, "tbl") end,
  })
  doc = doc:walk({ Cite = resolve_cite, Div = fill_list })
  if #unresolved > 0 then
    error("crossref.lua: unresolved cross-reference(s) " .. table.concat(unresolved, ", ")
      .. ": no figure, table or heading has that id; give the target that id ({#fig-name}, "
      .. "{#tbl-name}, {#sec-name}) or correct the reference.")
  end
  return doc
end
