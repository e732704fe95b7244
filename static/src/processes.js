// Progressive enhancement for process pages; the server validates everything without it.

// Values chosen for a named control; controls inside a hidden block count as unanswered.
function chosenValues (form, name) {
  const values = []
  form.querySelectorAll('[name]').forEach((input) => {
    if (input.name !== name || input.closest('[hidden]')) return
    if (input.type === 'radio' || input.type === 'checkbox') {
      if (input.checked) values.push(input.value)
    } else {
      values.push(input.value)
    }
  })
  return values
}

// Questions with showWhen are shown only when the earlier answer matches.
export function initConditionalQuestions (root = document) {
  root.querySelectorAll('form').forEach((form) => {
    const blocks = form.querySelectorAll('[data-show-when-field]')
    if (!blocks.length) return
    const update = () => blocks.forEach((block) => {
      const values = chosenValues(form, block.dataset.showWhenField)
      block.hidden = !values.includes(block.dataset.showWhenEquals)
    })
    form.querySelectorAll('.app-conditional__note').forEach((note) => { note.hidden = true })
    form.addEventListener('change', update)
    update()
  })
}

// A signature drawn with a finger or stylus, sent as a PNG data URL in a hidden input.
export function initSignaturePads (root = document) {
  root.querySelectorAll('[data-signature]').forEach((group) => {
    const input = group.querySelector('input[type=hidden]')
    const pad = group.querySelector('.app-signature__pad')
    const canvas = pad.querySelector('canvas')
    const context = canvas.getContext('2d')
    group.querySelector('.app-signature__no-js').hidden = true
    pad.hidden = false
    context.lineWidth = 3
    context.lineCap = 'round'
    context.strokeStyle = '#0b0c0c'
    let drawing = false
    let drawn = false
    const point = (event) => {
      const box = canvas.getBoundingClientRect()
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height]
    }
    canvas.addEventListener('pointerdown', (event) => {
      drawing = true
      canvas.setPointerCapture(event.pointerId)
      context.beginPath()
      context.moveTo(...point(event))
    })
    canvas.addEventListener('pointermove', (event) => {
      if (!drawing) return
      context.lineTo(...point(event))
      context.stroke()
      drawn = true
    })
    const finish = () => {
      if (drawing && drawn) input.value = canvas.toDataURL('image/png')
      drawing = false
    }
    canvas.addEventListener('pointerup', finish)
    canvas.addEventListener('pointercancel', finish)
    group.querySelector('[data-signature-clear]').addEventListener('click', () => {
      context.clearRect(0, 0, canvas.width, canvas.height)
      drawn = false
      input.value = 'clear'
    })
  })
}

initConditionalQuestions()
initSignaturePads()
