// The payload part of the submit form, one control per property of the job type's schema.
import { get, type FieldError, type FieldErrors, type UseFormRegister } from 'react-hook-form';
import { Field } from '../components/Field';
import type { PayloadField } from './formSchema';
import { optionalJson, optionalNumber, optionalText, type SubmitFormValues } from './formValues';

interface Props {
  fields: PayloadField[];
  register: UseFormRegister<SubmitFormValues>;
  errors: FieldErrors<SubmitFormValues>;
}

function inputId(name: string): string {
  return `submit-${name.replace(/\./g, '-')}`;
}

export function PayloadFields({ fields, register, errors }: Props) {
  return (
    <>
      {fields.map((field) => {
        const error = (get(errors, field.name) as FieldError | undefined)?.message;
        const name = field.name as `payload.${string}`;
        const numeric = field.kind === 'number' || field.kind === 'integer';
        const registration = register(name, {
          setValueAs: numeric
            ? optionalNumber
            : field.kind === 'json'
              ? optionalJson
              : optionalText,
        });
        return (
          <Field
            key={field.name}
            id={inputId(field.name)}
            label={field.label}
            required={field.required}
            hint={field.description}
            error={error}
          >
            {(a11y) => {
              const common = { ...a11y, ...registration, 'aria-required': field.required };
              switch (field.kind) {
                case 'textarea':
                  return <textarea rows={4} {...common} />;
                case 'json':
                  return (
                    <textarea rows={4} spellCheck={false} className="json-input" {...common} />
                  );
                case 'choice':
                  return (
                    <select {...common}>
                      <option value="">Choose…</option>
                      {field.choices.map((choice) => (
                        <option key={choice}>{choice}</option>
                      ))}
                    </select>
                  );
                case 'boolean':
                  return <input type="checkbox" {...a11y} {...register(name)} />;
                case 'email':
                  return <input type="email" autoComplete="email" {...common} />;
                case 'number':
                case 'integer':
                  return (
                    <input type="number" step={field.kind === 'integer' ? 1 : 'any'} {...common} />
                  );
                default:
                  return <input type="text" {...common} />;
              }
            }}
          </Field>
        );
      })}
    </>
  );
}
